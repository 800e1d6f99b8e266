import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

/** Decides which addresses a callback may connect to. */
export interface NetworkPolicy {
	isAllowed(address: string): boolean;
	/** A short explanation for error messages and logs, e.g. "127.0.0.1 (loopback, 127.0.0.0/8)". */
	describe(address: string): string;
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * Everything that is not globally routable. Explicit rather than derived from `ipaddr.range()` so the
 * list is auditable and does not change with a library upgrade; the README repeats it. First match
 * names the range, so narrow entries come before the wide ones containing them.
 */
const BLOCKED_RANGES: ReadonlyArray<readonly [cidr: string, label: string]> = [
	["0.0.0.0/8", "this network"],
	["10.0.0.0/8", "private"],
	["100.64.0.0/10", "carrier-grade NAT"],
	["127.0.0.0/8", "loopback"],
	["169.254.0.0/16", "link-local, cloud metadata"],
	["172.16.0.0/12", "private"],
	["192.0.0.0/24", "IETF protocol assignments"],
	["192.0.2.0/24", "documentation"],
	["192.88.99.0/24", "6to4 relay anycast"],
	["192.168.0.0/16", "private"],
	["198.18.0.0/15", "benchmarking"],
	["198.51.100.0/24", "documentation"],
	["203.0.113.0/24", "documentation"],
	["224.0.0.0/4", "multicast"],
	["255.255.255.255/32", "broadcast"],
	["240.0.0.0/4", "reserved"],
	["::/128", "unspecified"],
	["::1/128", "loopback"],
	// IPv4-compatible (deprecated) and IPv4-translated addresses embed an IPv4 address that
	// ipaddr.process() does not unwrap.
	["::/96", "IPv4-compatible"],
	["::ffff:0:0:0/96", "IPv4-translated"],
	["64:ff9b::/96", "NAT64"],
	["64:ff9b:1::/48", "local NAT64"],
	["100::/64", "discard-only"],
	["2001::/32", "Teredo"],
	["2001:2::/48", "benchmarking"],
	["2001:db8::/32", "documentation"],
	["2002::/16", "6to4"],
	["3fff::/20", "documentation"],
	["fc00::/7", "unique local"],
	["fe80::/10", "link-local"],
	["fec0::/10", "site-local"],
	["ff00::/8", "multicast"],
];

interface BlockedRange {
	text: string;
	label: string;
}

const BLOCKED: ReadonlyArray<BlockedRange & { cidr: Cidr }> = BLOCKED_RANGES.map(([text, label]) => ({
	cidr: ipaddr.parseCIDR(text),
	text,
	label,
}));

/** IPv6 global unicast is 2000::/3: whatever lies outside and is not named above is not routable either. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR("2000::/3");
const OUTSIDE_GLOBAL_UNICAST: BlockedRange = { text: "outside 2000::/3", label: "not global unicast" };

/**
 * Splits a comma-separated CIDR list such as CALLBACK_ALLOWED_NETWORKS. Empty items are skipped so
 * an unset or empty variable means "no exceptions". Only plain dotted-quad or IPv6 notation is
 * accepted: ipaddr.js would also take forms like `0x7f.1/8`, which nobody means on purpose.
 */
export function parseAllowedNetworks(text: string | undefined): string[] {
	const entries = (text ?? "")
		.split(",")
		.map((entry) => entry.trim())
		.filter((entry) => entry !== "");
	for (const entry of entries) parseCidr(entry);
	return entries;
}

/** Refuses every address in BLOCKED_RANGES unless one of `allowedCidrs` contains it. */
export function createNetworkPolicy(allowedCidrs: readonly string[]): NetworkPolicy {
	const allowed = allowedCidrs.map((text) => ({ cidr: parseCidr(text), text }));
	const classify = (address: string) => {
		const ip = normalize(address);
		if (!ip) return { ip, blocked: undefined, exception: undefined };
		return { ip, blocked: blockedRange(ip), exception: allowed.find((entry) => contains(entry.cidr, ip)) };
	};
	return {
		isAllowed(address) {
			const { ip, blocked, exception } = classify(address);
			return ip !== undefined && (blocked === undefined || exception !== undefined);
		},
		describe(address) {
			const { ip, blocked, exception } = classify(address);
			if (!ip) return `${address} (not an IP address)`;
			const shown = ip.kind() === "ipv4" && isIP(address) === 6 ? `${address} = ${ip.toString()}` : address;
			if (!blocked) return `${shown} (public)`;
			const range = `${blocked.label}, ${blocked.text}`;
			return exception ? `${shown} (${range}; allowed by ${exception.text})` : `${shown} (${range})`;
		},
	};
}

function parseCidr(text: string): Cidr {
	const [address = "", prefix, extra] = text.split("/");
	const family = isIP(address);
	const bits = Number(prefix);
	if (family === 0 || extra !== undefined || !/^\d+$/.test(prefix ?? "") || bits > (family === 4 ? 32 : 128)) {
		throw new Error(`Invalid network "${text}": expected a CIDR such as 127.0.0.0/8 or ::1/128, separated by commas.`);
	}
	return ipaddr.parseCIDR(text);
}

/** IPv4-mapped IPv6 (::ffff:127.0.0.1) is unwrapped: the kernel connects to the IPv4 address. */
function normalize(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
	if (isIP(address) === 0) return undefined;
	return ipaddr.process(address);
}

function blockedRange(ip: ipaddr.IPv4 | ipaddr.IPv6): BlockedRange | undefined {
	const named = BLOCKED.find((range) => contains(range.cidr, ip));
	if (named) return named;
	return ip.kind() === "ipv6" && !contains(GLOBAL_UNICAST_V6, ip) ? OUTSIDE_GLOBAL_UNICAST : undefined;
}

function contains(cidr: Cidr, ip: ipaddr.IPv4 | ipaddr.IPv6): boolean {
	return cidr[0].kind() === ip.kind() && ip.match(cidr);
}
