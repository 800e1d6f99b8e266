CREATE TABLE "execution_diagnostics" (
	"execution_id" text NOT NULL,
	"seq" integer NOT NULL,
	"path" text NOT NULL,
	"stage" text NOT NULL,
	"error_class" text NOT NULL,
	"message" text NOT NULL,
	CONSTRAINT "execution_diagnostics_execution_id_seq_pk" PRIMARY KEY("execution_id","seq"),
	CONSTRAINT "execution_diagnostics_stage_check" CHECK (stage in ('read', 'route', 'parse', 'keystore', 'archive', 'crypto-usage', 'analysis', 'list'))
);
--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "files_failed" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "execution_diagnostics" ADD CONSTRAINT "execution_diagnostics_execution_id_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."executions"("id") ON DELETE cascade ON UPDATE no action;