-- The GitHub Sensor: every repository of a GitHub organisation or user, listed with the REST API and cloned.
INSERT INTO "sensor_types" ("type", "error_namespace", "description") VALUES
  ('GitHub Sensor', 'GITHUB', 'Every repository of a GitHub organisation or user (github.com or GitHub Enterprise Server), cloned and scanned.'),
  ('Github Sensor', 'GITHUB', 'Alias of GitHub Sensor.')
ON CONFLICT ("type") DO NOTHING;
