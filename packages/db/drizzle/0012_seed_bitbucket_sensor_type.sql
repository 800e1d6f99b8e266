-- The Bitbucket Sensor: every repository of a Bitbucket Cloud workspace or a Bitbucket Data Center project, cloned and scanned.
INSERT INTO "sensor_types" ("type", "error_namespace", "description") VALUES
  ('Bitbucket Sensor', 'BITBUCKET', 'Every repository of a Bitbucket Cloud workspace or a Bitbucket Data Center project, cloned and scanned.')
ON CONFLICT ("type") DO NOTHING;
