CREATE TABLE "staged_observations" (
	"execution_id" text NOT NULL,
	"attempt" integer NOT NULL,
	"identity" text NOT NULL,
	"path" text NOT NULL,
	"line" integer NOT NULL,
	"kind" text NOT NULL,
	"crypto" jsonb NOT NULL,
	"analysis" jsonb,
	"layer_digest" text,
	"finding_id" text NOT NULL,
	CONSTRAINT "staged_observations_execution_id_attempt_identity_path_line_pk" PRIMARY KEY("execution_id","attempt","identity","path","line")
);
--> statement-breakpoint
ALTER TABLE "staged_observations" ADD CONSTRAINT "staged_observations_execution_id_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."executions"("id") ON DELETE cascade ON UPDATE no action;