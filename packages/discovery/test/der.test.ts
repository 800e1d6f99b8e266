import { describe, expect, it } from "vitest";
import {
	decodeOid,
	decodeSmallInteger,
	decodeTime,
	encodeOid,
	encodeTlv,
	encodeUnsignedInteger,
	readChildren,
	readTlv,
	readWhole,
	TAG,
} from "../src/der.ts";

const hex = (value: string) => Buffer.from(value.replaceAll(" ", ""), "hex");

describe("DER reader", () => {
	it("reads short and long lengths", () => {
		expect(readTlv(hex("04 03 01 02 03"), 0)).toEqual({ tag: 4, start: 0, valueStart: 2, end: 5 });
		const long = Buffer.concat([hex("04 82 01 00"), Buffer.alloc(256)]);
		expect(readTlv(long, 0)).toEqual({ tag: 4, start: 0, valueStart: 4, end: 260 });
	});

	it("rejects indefinite lengths, high tag numbers and lengths past the end", () => {
		expect(readTlv(hex("30 80 00 00"), 0)).toBeUndefined();
		expect(readTlv(hex("1f 81 01 00"), 0)).toBeUndefined();
		expect(readTlv(hex("04 05 01 02"), 0)).toBeUndefined();
		expect(readTlv(hex("04 85 01 01 01 01 01"), 0)).toBeUndefined();
	});

	it("requires a whole-input element and well-formed children", () => {
		expect(readWhole(hex("30 03 02 01 05"))).toBeDefined();
		expect(readWhole(hex("30 03 02 01 05 00"))).toBeUndefined();
		const top = readTlv(hex("30 06 02 01 05 04 01 ff"), 0);
		expect(top && readChildren(hex("30 06 02 01 05 04 01 ff"), top)?.map((child) => child.tag)).toEqual([2, 4]);
		const broken = hex("30 05 02 01 05 04 05");
		expect(readChildren(broken, readTlv(broken, 0) as NonNullable<ReturnType<typeof readTlv>>)).toBeUndefined();
	});

	it("decodes OIDs, including multi-byte arcs and a first arc of 2", () => {
		for (const oid of [
			"1.2.840.113549.1.1.11",
			"1.3.101.112",
			"2.16.840.1.101.3.4.3.18",
			"2.999.1",
			"0.9.2342.19200300.100.1.1",
		]) {
			const encoded = encodeOid(oid);
			expect(decodeOid(encoded, readTlv(encoded, 0))).toBe(oid);
		}
		expect(encodeOid("1.2.840.10045.2.1")).toEqual(hex("06 07 2a 86 48 ce 3d 02 01"));
	});

	it("decodes small integers only", () => {
		const value = (bytes: string) => {
			const buffer = hex(bytes);
			return decodeSmallInteger(buffer, readTlv(buffer, 0));
		};
		expect(value("02 01 00")).toBe(0);
		expect(value("02 02 08 00")).toBe(2048);
		expect(value("02 01 ff")).toBeUndefined();
		expect(value("02 05 01 00 00 00 00")).toBeUndefined();
		expect(value("04 01 01")).toBeUndefined();
	});

	it("decodes UTCTime with the 1950 pivot and GeneralizedTime", () => {
		const time = (tag: number, text: string) => {
			const buffer = encodeTlv(tag, Buffer.from(text));
			return decodeTime(buffer, readTlv(buffer, 0));
		};
		expect(time(TAG.utcTime, "491231235959Z")).toBe("2049-12-31T23:59:59.000Z");
		expect(time(TAG.utcTime, "500101000000Z")).toBe("1950-01-01T00:00:00.000Z");
		expect(time(TAG.generalizedTime, "99991231235959Z")).toBe("9999-12-31T23:59:59.000Z");
		expect(time(TAG.generalizedTime, "00010101000000Z")).toBe("0001-01-01T00:00:00.000Z");
		expect(time(TAG.utcTime, "5001010000Z")).toBeUndefined();
		expect(time(TAG.octetString, "500101000000Z")).toBeUndefined();
	});
});

describe("DER writer", () => {
	it("writes minimal unsigned INTEGERs", () => {
		expect(encodeUnsignedInteger(hex("00 00 7f"))).toEqual(hex("02 01 7f"));
		expect(encodeUnsignedInteger(hex("80"))).toEqual(hex("02 02 00 80"));
		expect(encodeUnsignedInteger(hex("00 80"))).toEqual(hex("02 02 00 80"));
		expect(encodeUnsignedInteger(hex(""))).toEqual(hex("02 01 00"));
	});

	it("writes long-form lengths", () => {
		const encoded = encodeTlv(TAG.octetString, Buffer.alloc(300));
		expect(encoded.subarray(0, 4)).toEqual(hex("04 82 01 2c"));
		expect(readWhole(encoded)).toBeDefined();
	});
});
