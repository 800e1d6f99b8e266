-- The Artifactory Sensor: the artifacts of JFrog Artifactory repositories, listed with AQL and downloaded.
INSERT INTO "sensor_types" ("type", "error_namespace", "description") VALUES
  ('Artifactory Sensor', 'ARTIFACTORY', 'Artifacts of JFrog Artifactory repositories (local, virtual, federated), listed with AQL and downloaded.')
ON CONFLICT ("type") DO NOTHING;
