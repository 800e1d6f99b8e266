import { expect, it } from "vitest";
import { isObjectId, newObjectId } from "../src/index.ts";

it("is 24 hex characters: 4-byte seconds, 5 process bytes, 3-byte counter", () => {
	const at = new Date("2026-11-27T12:00:00Z");
	const a = newObjectId(at);
	const b = newObjectId(at);
	expect(a).toMatch(/^[0-9a-f]{24}$/);
	expect(Number.parseInt(a.slice(0, 8), 16)).toBe(at.getTime() / 1000);
	expect(a.slice(8, 18)).toBe(b.slice(8, 18));
	expect((Number.parseInt(b.slice(18), 16) - Number.parseInt(a.slice(18), 16) + 0x1000000) % 0x1000000).toBe(1);
});

it("never repeats within a process", () => {
	const ids = new Set(Array.from({ length: 10_000 }, () => newObjectId()));
	expect(ids.size).toBe(10_000);
});

it("recognises ObjectIds", () => {
	expect(isObjectId(newObjectId())).toBe(true);
	for (const bad of ["", "6b09d8a7197f6b4c7e9999b", "6B09D8A7197F6B4C7E9999B1", "6b09d8a7197f6b4c7e9999bz", 12, null]) {
		expect(isObjectId(bad)).toBe(false);
	}
});
