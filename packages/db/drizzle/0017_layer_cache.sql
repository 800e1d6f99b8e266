CREATE TABLE "image_layer_scans" (
	"org_id" text NOT NULL,
	"layer_digest" text NOT NULL,
	"fingerprint" text NOT NULL,
	"path" text NOT NULL,
	"result" jsonb NOT NULL,
	CONSTRAINT "image_layer_scans_org_id_layer_digest_fingerprint_path_pk" PRIMARY KEY("org_id","layer_digest","fingerprint","path")
);
--> statement-breakpoint
CREATE TABLE "image_layers" (
	"org_id" text NOT NULL,
	"digest" text NOT NULL,
	"entries" jsonb NOT NULL,
	"used_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "image_layers_org_id_digest_pk" PRIMARY KEY("org_id","digest")
);
--> statement-breakpoint
ALTER TABLE "image_layer_scans" ADD CONSTRAINT "image_layer_scans_org_id_layer_digest_image_layers_org_id_digest_fk" FOREIGN KEY ("org_id","layer_digest") REFERENCES "public"."image_layers"("org_id","digest") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "image_layers" ADD CONSTRAINT "image_layers_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "image_layers_used_idx" ON "image_layers" USING btree ("org_id","used_at");