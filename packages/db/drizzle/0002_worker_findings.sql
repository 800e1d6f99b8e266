CREATE TABLE "execution_findings" (
	"execution_id" text NOT NULL,
	"finding_id" text NOT NULL,
	"kind" text NOT NULL,
	CONSTRAINT "execution_findings_execution_id_finding_id_pk" PRIMARY KEY("execution_id","finding_id")
);
--> statement-breakpoint
CREATE TABLE "findings" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"sensor_id" text NOT NULL,
	"kind" text NOT NULL,
	"identity" text NOT NULL,
	"path" text NOT NULL,
	"line" integer NOT NULL,
	"crypto" jsonb NOT NULL,
	"analysis" jsonb,
	"labels" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"first_seen_execution_id" text NOT NULL,
	"last_seen_execution_id" text NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "findings_status_check" CHECK (status in ('open', 'resolved'))
);
--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "worker_id" text;--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "lease_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "cursor" text;--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "summary" jsonb;--> statement-breakpoint
ALTER TABLE "execution_findings" ADD CONSTRAINT "execution_findings_execution_id_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."executions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "execution_findings" ADD CONSTRAINT "execution_findings_finding_id_findings_id_fk" FOREIGN KEY ("finding_id") REFERENCES "public"."findings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_sensor_id_sensors_id_fk" FOREIGN KEY ("sensor_id") REFERENCES "public"."sensors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "execution_findings_kind_idx" ON "execution_findings" USING btree ("execution_id","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "findings_sensor_asset_key" ON "findings" USING btree ("sensor_id","identity","path","line");--> statement-breakpoint
CREATE INDEX "findings_sensor_status_idx" ON "findings" USING btree ("sensor_id","status");--> statement-breakpoint
CREATE INDEX "executions_org_idx" ON "executions" USING btree ("org_id","ran_at");