-- The GitLab Sensor: every project of a GitLab group and its subgroups, listed with the REST API and cloned.
INSERT INTO "sensor_types" ("type", "error_namespace", "description") VALUES
  ('GitLab Sensor', 'GITLAB', 'Every project of a GitLab group and its subgroups (gitlab.com or self-managed), cloned and scanned.'),
  ('Gitlab Sensor', 'GITLAB', 'Alias of GitLab Sensor.')
ON CONFLICT ("type") DO NOTHING;
