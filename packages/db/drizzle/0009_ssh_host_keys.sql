CREATE TABLE "ssh_host_keys" (
	"sensor_id" text PRIMARY KEY NOT NULL,
	"known_hosts" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ssh_host_keys" ADD CONSTRAINT "ssh_host_keys_sensor_id_sensors_id_fk" FOREIGN KEY ("sensor_id") REFERENCES "public"."sensors"("id") ON DELETE cascade ON UPDATE no action;