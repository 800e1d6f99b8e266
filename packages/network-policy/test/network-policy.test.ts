import { describe, expect, it } from "vitest";
import { createNetworkPolicy, parseAllowedNetworks } from "../src/index.ts";

const strict = createNetworkPolicy([]);

describe("default network policy", () => {
	it.each([
		["0.0.0.0", "this network"],
		["0.255.255.255", "this network"],
		["10.0.0.1", "private"],
		["10.255.255.255", "private"],
		["100.64.0.1", "carrier-grade NAT"],
		["100.127.255.254", "carrier-grade NAT"],
		["127.0.0.1", "loopback"],
		["127.255.255.254", "loopback"],
		["169.254.169.254", "link-local, cloud metadata"],
		["169.254.0.1", "link-local, cloud metadata"],
		["172.16.0.1", "private"],
		["172.31.255.254", "private"],
		["192.0.0.8", "IETF protocol assignments"],
		["192.0.2.1", "documentation"],
		["192.88.99.1", "6to4 relay anycast"],
		["192.168.1.1", "private"],
		["198.18.0.1", "benchmarking"],
		["198.19.255.254", "benchmarking"],
		["198.51.100.7", "documentation"],
		["203.0.113.9", "documentation"],
		["224.0.0.1", "multicast"],
		["239.255.255.250", "multicast"],
		["240.0.0.1", "reserved"],
		["255.255.255.254", "reserved"],
		["255.255.255.255", "broadcast"],
		["::", "unspecified"],
		["::1", "loopback"],
		["::7f00:1", "IPv4-compatible"],
		["::ffff:0:7f00:1", "IPv4-translated"],
		["fc00::1", "unique local"],
		["fd12:3456:789a::1", "unique local"],
		["fe80::1", "link-local"],
		["fe80::1%eth0", "link-local"],
		["febf:ffff::1", "link-local"],
		["fec0::1", "site-local"],
		["ff02::1", "multicast"],
		["ff0e::1", "multicast"],
		["2001:db8::1", "documentation"],
		["2001:db8:ffff::1", "documentation"],
		["64:ff9b::7f00:1", "NAT64"],
		["64:ff9b::808:808", "NAT64"],
		["64:ff9b:1::1", "local NAT64"],
		["100::1", "discard-only"],
		["2002:7f00:1::1", "6to4"],
		["2002:808:808::1", "6to4"],
		["2001::1", "Teredo"],
		["2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"],
		["2001:2::1", "benchmarking"],
		["3fff::1", "documentation"],
		["5f00::1", "not global unicast"],
		["4000::1", "not global unicast"],
	])("refuses %s (%s)", (address, label) => {
		expect(strict.isAllowed(address)).toBe(false);
		expect(strict.describe(address)).toContain(`(${label}, `);
	});

	it.each([
		["::ffff:127.0.0.1", "loopback"],
		["::ffff:7f00:1", "loopback"],
		["::ffff:169.254.169.254", "link-local, cloud metadata"],
		["::ffff:10.0.0.1", "private"],
		["::ffff:192.168.0.1", "private"],
		["0:0:0:0:0:ffff:127.0.0.1", "loopback"],
	])("unwraps IPv4-mapped IPv6 %s (%s)", (address, label) => {
		expect(strict.isAllowed(address)).toBe(false);
		expect(strict.describe(address)).toMatch(new RegExp(`= [0-9.]+ \\(${label}, `));
	});

	it.each([
		"8.8.8.8",
		"1.1.1.1",
		"93.184.215.14",
		"100.63.255.255",
		"100.128.0.1",
		"172.15.255.255",
		"172.32.0.1",
		"192.169.0.1",
		"198.20.0.1",
		"223.255.255.255",
		"2606:4700::1111",
		"2001:4860:4860::8888",
		"2a00:1450:4001:80b::200e",
		"2001:1::1",
	])("allows the public address %s", (address) => {
		expect(strict.isAllowed(address)).toBe(true);
		expect(strict.describe(address)).toBe(`${address} (public)`);
	});

	it("allows an IPv4-mapped public address", () => {
		expect(strict.isAllowed("::ffff:8.8.8.8")).toBe(true);
		expect(strict.describe("::ffff:8.8.8.8")).toBe("::ffff:8.8.8.8 = 8.8.8.8 (public)");
	});

	it.each(["", "localhost", "example.com", "127.1", "2130706433", "0x7f.0.0.1", "1.2.3.4/32", "[::1]", "::g"])(
		"refuses %j, which is not an IP address",
		(address) => {
			expect(strict.isAllowed(address)).toBe(false);
			expect(strict.describe(address)).toBe(`${address} (not an IP address)`);
		},
	);
});

describe("allow-list exceptions", () => {
	const loopback = createNetworkPolicy(["127.0.0.0/8", "::1/128"]);

	it("opens exactly the listed networks", () => {
		for (const address of ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"]) {
			expect(loopback.isAllowed(address), address).toBe(true);
		}
		for (const address of ["10.0.0.1", "169.254.169.254", "::", "::2", "fe80::1", "192.168.1.1"]) {
			expect(loopback.isAllowed(address), address).toBe(false);
		}
		expect(loopback.isAllowed("8.8.8.8")).toBe(true);
		expect(loopback.describe("127.0.0.1")).toBe("127.0.0.1 (loopback, 127.0.0.0/8; allowed by 127.0.0.0/8)");
		expect(loopback.describe("::1")).toBe("::1 (loopback, ::1/128; allowed by ::1/128)");
	});

	it("applies a narrow exception inside a blocked range", () => {
		const onPrem = createNetworkPolicy(["10.20.0.0/16", "fd00:1::/32"]);
		expect(onPrem.isAllowed("10.20.3.4")).toBe(true);
		expect(onPrem.isAllowed("::ffff:10.20.3.4")).toBe(true);
		expect(onPrem.isAllowed("10.21.0.1")).toBe(false);
		expect(onPrem.isAllowed("fd00:1::5")).toBe(true);
		expect(onPrem.isAllowed("fd00:2::5")).toBe(false);
	});

	it("refuses invalid CIDRs", () => {
		expect(() => createNetworkPolicy(["127.0.0.0/8", "localhost"])).toThrow(/Invalid network "localhost"/);
	});
});

describe("parseAllowedNetworks", () => {
	it("splits, trims and skips empty items", () => {
		expect(parseAllowedNetworks("127.0.0.0/8, ::1/128")).toEqual(["127.0.0.0/8", "::1/128"]);
		expect(parseAllowedNetworks(" 10.0.0.0/8 ,, ")).toEqual(["10.0.0.0/8"]);
		expect(parseAllowedNetworks("")).toEqual([]);
		expect(parseAllowedNetworks(undefined)).toEqual([]);
		expect(parseAllowedNetworks("0.0.0.0/0,::/0")).toEqual(["0.0.0.0/0", "::/0"]);
	});

	it.each([
		"127.0.0.1",
		"127.0.0.0/33",
		"::1/129",
		"127.0.0.0/",
		"127.0.0.0/8/8",
		"127.0.0.0/x",
		"127.0.0.0/-1",
		"127.1/8",
		"0x7f.0.0.0/8",
		"localhost/8",
		"127.0.0.0/8 ::1/128",
	])("names the bad entry %j", (entry) => {
		expect(() => parseAllowedNetworks(`10.0.0.0/8, ${entry}`)).toThrow(
			`Invalid network "${entry}": expected a CIDR such as 127.0.0.0/8 or ::1/128, separated by commas.`,
		);
	});
});
