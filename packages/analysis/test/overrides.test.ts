import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
	createEvaluator,
	DEFAULT_RULES,
	type Finding,
	parseRuleOverrides,
	type Rule,
	RuleOverrideError,
} from "../src/index.ts";

const NOW = new Date("2026-01-01T00:00:00Z");
const rsaKey = (size: number): Finding => ({
	kind: "key",
	crypto: { key: { type: "public-key", algorithm: "RSA", size, encrypted: false } },
});
const rules = (evaluate: ReturnType<typeof createEvaluator>, finding: Finding) =>
	evaluate(finding, NOW).reasons.map((reason) => `${reason.rule}:${reason.priority}`);

describe("the rule table", () => {
	it("has the contracted ids and default priorities, all enabled", () => {
		expect(DEFAULT_RULES.map((rule) => `${rule.id}:${rule.priority}`)).toEqual([
			"private-key-unencrypted:critical",
			"keystore-default-password:critical",
			"jwt-alg-none:critical",
			"rsa-short-key:high",
			"ec-short-key:high",
			"weak-hash-md5:high",
			"weak-signature-sha1:high",
			"weak-cipher-des:high",
			"weak-cipher-rc4:high",
			"weak-mode-ecb:high",
			"tls-legacy-version:high",
			"certificate-expired:high",
			"certificate-expiring:medium",
			"certificate-self-signed:medium",
			"quantum-vulnerable:low",
			"post-quantum:info",
		]);
		expect(DEFAULT_RULES.every((rule) => rule.enabled && rule.description.length > 20)).toBe(true);
	});

	it("is what the README documents, row for row", () => {
		const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
		const rows = [...readme.matchAll(/^\| `([a-z0-9-]+)` +\| (\w+) +\|/gm)].map((row) => `${row[1]}:${row[2]}`);
		expect(rows).toEqual(DEFAULT_RULES.map((rule) => `${rule.id}:${rule.priority}`));
	});

	it("cannot be edited by callers", () => {
		expect(Object.isFrozen(DEFAULT_RULES)).toBe(true);
		expect(() => {
			(DEFAULT_RULES[0] as Rule).priority = "info";
		}).toThrow(TypeError);
	});
});

describe("overrides", () => {
	it("parses the documented example and applies it", () => {
		const overrides = parseRuleOverrides(
			'[{"id":"rsa-short-key","priority":"critical"},{"id":"quantum-vulnerable","enabled":false}]',
		);
		expect(overrides).toEqual([
			{ id: "rsa-short-key", priority: "critical" },
			{ id: "quantum-vulnerable", enabled: false },
		]);
		const evaluate = createEvaluator(overrides);
		expect(rules(evaluate, rsaKey(1024))).toEqual(["rsa-short-key:critical"]);
		expect(rules(evaluate, rsaKey(512))).toEqual(["rsa-short-key:critical"]);
		expect(evaluate(rsaKey(4096), NOW)).toEqual({ priority: "info", reasons: [] });
	});

	it("below 1024 bits stays one step above the configured priority", () => {
		const evaluate = createEvaluator([{ id: "rsa-short-key", priority: "medium" }]);
		expect(rules(evaluate, rsaKey(1024))).toEqual(["rsa-short-key:medium", "quantum-vulnerable:low"]);
		expect(rules(evaluate, rsaKey(768))).toEqual(["rsa-short-key:high", "quantum-vulnerable:low"]);
	});

	it("a disabled rule no longer contributes to the priority", () => {
		const defaults = createEvaluator();
		expect(defaults(rsaKey(1024), NOW).priority).toBe("high");
		expect(createEvaluator([{ id: "rsa-short-key", enabled: false }])(rsaKey(1024), NOW).priority).toBe("low");
		expect(createEvaluator([{ id: "quantum-vulnerable", priority: "high" }])(rsaKey(4096), NOW).priority).toBe("high");
	});

	it("leaves other evaluators alone", () => {
		createEvaluator([{ id: "quantum-vulnerable", enabled: false }]);
		expect(rules(createEvaluator(), rsaKey(4096))).toEqual(["quantum-vulnerable:low"]);
	});

	it.each([
		["not JSON", "[{id: 1}]", /^rule overrides are not valid JSON: /],
		["not an array", '{"id":"rsa-short-key"}', /^rule overrides must be a JSON array/],
		[
			"unknown id",
			'[{"id":"rsa-short-key","enabled":true},{"id":"rsa-shortkey","priority":"low"}]',
			/^rule override #2 \("rsa-shortkey"\): unknown rule id; known rules: private-key-unencrypted, /,
		],
		[
			"bad priority",
			'[{"id":"weak-mode-ecb","priority":"urgent"}]',
			/^rule override #1 \("weak-mode-ecb"\): priority: Invalid option: expected one of "critical"\|"high"\|"medium"\|"low"\|"info"$/,
		],
		[
			"misspelt field",
			'[{"id":"weak-mode-ecb","priorty":"low"}]',
			/^rule override #1 \("weak-mode-ecb"\): Unrecognized key: "priorty"/,
		],
		[
			"enabled not a boolean",
			'[{"id":"weak-mode-ecb","enabled":"no"}]',
			/^rule override #1 \("weak-mode-ecb"\): enabled: Invalid input: expected boolean, received string$/,
		],
		[
			"missing id",
			'[{"priority":"low"}]',
			/^rule override #1: id: Invalid input: expected string, received undefined$/,
		],
		["not an object", '["weak-mode-ecb"]', /^rule override #1: Invalid input: expected object, received string$/],
		[
			"changes nothing",
			'[{"id":"weak-mode-ecb"}]',
			/^rule override #1 \("weak-mode-ecb"\): changes nothing: set priority and\/or enabled$/,
		],
		[
			"twice",
			'[{"id":"weak-mode-ecb","enabled":false},{"id":"weak-mode-ecb","enabled":true}]',
			/^rule override #2 \("weak-mode-ecb"\): rule overridden twice$/,
		],
	])("rejects %s with an error naming the entry", (_case, json, message) => {
		let error: unknown;
		try {
			parseRuleOverrides(json);
		} catch (thrown) {
			error = thrown;
		}
		expect(error).toBeInstanceOf(RuleOverrideError);
		expect((error as Error).message).toMatch(message);
	});

	it("reports the index of the bad entry", () => {
		try {
			parseRuleOverrides('[{"id":"weak-mode-ecb","enabled":false},{"id":"nope","enabled":false}]');
			expect.unreachable();
		} catch (error) {
			expect((error as RuleOverrideError).entry).toBe(1);
		}
	});

	it("programmatic overrides and options are checked too", () => {
		expect(() => createEvaluator([{ id: "no-such-rule", enabled: false }])).toThrow(RuleOverrideError);
		expect(() => createEvaluator([], { expiringWithinDays: -1 })).toThrow(RangeError);
		expect(() => createEvaluator([], { expiringWithinDays: Number.NaN })).toThrow(RangeError);
	});
});
