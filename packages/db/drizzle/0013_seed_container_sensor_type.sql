-- The Container Sensor: images pulled from OCI registries, layers flattened and scanned.
INSERT INTO "sensor_types" ("type", "error_namespace", "description") VALUES
  ('Container Sensor', 'CONTAINER', 'Container images pulled from a registry over the OCI Distribution API, their layers flattened as a container sees them, and scanned.')
ON CONFLICT ("type") DO NOTHING;
