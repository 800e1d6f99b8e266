-- The sensor types this release can run. Later releases add rows in their own migrations.
INSERT INTO "sensor_types" ("type", "error_namespace", "description") VALUES
  ('GIT Sensor', 'GIT', 'One Git repository, one branch, cloned shallowly over https, http or ssh.'),
  ('Filesystem Sensor', 'FS', 'A directory below one of the worker''s configured roots (SENSOR_FS_ROOTS).')
ON CONFLICT ("type") DO NOTHING;
