import { describe, expect, it } from "vitest";
import {
	containerSensor,
	filesystemSensor,
	gitSensor,
	redactSecrets,
	sensorImplementations,
	sensorTypeContracts,
} from "../src/index.ts";

describe("redactSecrets", () => {
	it("removes secrets, their URL-encoded forms and URL userinfo", () => {
		const text = "fatal: unable to access 'https://bob:s3cr%2Ft@host/repo.git/': s3cr/t rejected, token abc.def";
		const redacted = redactSecrets(text, ["s3cr/t", "abc.def", ""]);
		expect(redacted).toBe("fatal: unable to access 'https://***@host/repo.git/': *** rejected, token ***");
	});

	it("redacts a longer secret whole when a shorter one is part of it", () => {
		expect(redactSecrets("key=abcdef", ["abc", "abcdef"])).toBe("key=***");
	});
});

describe("sensorImplementations", () => {
	it("has an implementation for every sensor type the API accepts", () => {
		const types = sensorTypeContracts({ allowGitFileUrls: false }).map((contract) => contract.sensorType);
		expect(Object.keys(sensorImplementations).sort()).toEqual([...types].sort());
		expect(sensorImplementations["GIT Sensor"]).toBe(gitSensor);
		expect(sensorImplementations["Filesystem Sensor"]).toBe(filesystemSensor);
		expect(sensorImplementations["Container Sensor"]).toBe(containerSensor);
	});
});
