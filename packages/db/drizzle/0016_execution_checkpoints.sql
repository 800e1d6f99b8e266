CREATE TABLE "execution_checkpoints" (
	"execution_id" text NOT NULL,
	"unit" text NOT NULL,
	"state" text NOT NULL,
	"results" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "execution_checkpoints_execution_id_unit_pk" PRIMARY KEY("execution_id","unit")
);
--> statement-breakpoint
ALTER TABLE "execution_checkpoints" ADD CONSTRAINT "execution_checkpoints_execution_id_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."executions"("id") ON DELETE cascade ON UPDATE no action;