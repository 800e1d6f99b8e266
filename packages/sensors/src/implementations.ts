import { artifactorySensor } from "./artifactory/artifactory-sensor.ts";
import { bitbucketSensor } from "./bitbucket/bitbucket-sensor.ts";
import { containerSensor } from "./container/container-sensor.ts";
import { filesystemSensor } from "./filesystem/filesystem-sensor.ts";
import { gitSensor } from "./git/git-sensor.ts";
import { githubSensor } from "./github/github-sensor.ts";
import { gitlabSensor } from "./gitlab/gitlab-sensor.ts";
import type { Sensor } from "./sensor.ts";

/**
 * Sensor implementations by sensorType. Pass each the config its SensorTypeContract's schema parsed:
 * the shapes differ per type, so the lookup can only promise a config object.
 */
export const sensorImplementations: Readonly<Record<string, Sensor<Record<string, unknown>>>> = {
	[gitSensor.sensorType]: gitSensor,
	[filesystemSensor.sensorType]: filesystemSensor,
	[artifactorySensor.sensorType]: artifactorySensor,
	[githubSensor.sensorType]: githubSensor,
	// The aliases beside the hosts' own spelling; both run the same sensor.
	"Github Sensor": githubSensor,
	[gitlabSensor.sensorType]: gitlabSensor,
	"Gitlab Sensor": gitlabSensor,
	[bitbucketSensor.sensorType]: bitbucketSensor,
	[containerSensor.sensorType]: containerSensor,
};
