CREATE TABLE "finding_exports" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"sensor_id" text NOT NULL,
	"execution_id" text NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"cursor" text,
	"documents_exported" integer DEFAULT 0 NOT NULL,
	"documents_failed" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"item_errors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "finding_exports_state_check" CHECK (state in ('pending', 'exporting', 'done', 'failed'))
);
--> statement-breakpoint
ALTER TABLE "finding_exports" ADD CONSTRAINT "finding_exports_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "finding_exports" ADD CONSTRAINT "finding_exports_sensor_id_sensors_id_fk" FOREIGN KEY ("sensor_id") REFERENCES "public"."sensors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "finding_exports" ADD CONSTRAINT "finding_exports_execution_id_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."executions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "finding_exports_execution_key" ON "finding_exports" USING btree ("execution_id");--> statement-breakpoint
CREATE INDEX "finding_exports_open_idx" ON "finding_exports" USING btree ("next_attempt_at") WHERE state in ('pending', 'exporting');