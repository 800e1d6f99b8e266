import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { NetworkPolicy } from "@sensorium/network-policy";
import { SensorError } from "../sensor.ts";

/** How git must reach the remote once its address passed the policy: resolved here, pinned for git. */
export interface PinnedRemote {
	/** `git -c` settings for every git command of the scan (via GIT_CONFIG_COUNT). */
	config: [key: string, value: string][];
	/** Extra ssh options: connect to the checked address, verify the host key under the host's name. */
	sshOptions: string[];
}

const NOTHING_PINNED: PinnedRemote = { config: [], sshOptions: [] };
const SCP_LIKE = /^(?:[^@/\s]+@)?(\[[^\]]+\]|[^:/\s]+):(?!\/\/)/;

/** Host and port of a Git remote, or null for local (file://) URLs. */
export function remoteEndpoint(url: string): { host: string; port: number; scheme: "http" | "https" | "ssh" } | null {
	const scp = SCP_LIKE.exec(url);
	if (scp?.[1] && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
		return { host: scp[1].replace(/^\[|\]$/g, ""), port: 22, scheme: "ssh" };
	}
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return null;
	}
	const scheme = parsed.protocol.slice(0, -1);
	if (scheme !== "http" && scheme !== "https" && scheme !== "ssh") return null;
	const defaultPort = scheme === "https" ? 443 : scheme === "http" ? 80 : 22;
	return {
		host: parsed.hostname.replace(/^\[|\]$/g, ""),
		port: parsed.port ? Number(parsed.port) : defaultPort,
		scheme,
	};
}

export function addressNotAllowed(detail: string): SensorError {
	// Said before any connection is made, so it cannot tell whether anything listens there.
	return new SensorError(
		"GIT-1007",
		`The Git server's address is not allowed: ${detail}. Workers connect only to public addresses unless SENSOR_ALLOWED_NETWORKS allows more.`,
	);
}

/**
 * Resolves the remote's host, refuses it when any address is not allowed by the policy, and pins git (through
 * curl's resolve list, or ssh's HostName) to an address that was checked, so DNS cannot change between the
 * check and the connection. A host that does not resolve is left to git, which reports it as unreachable.
 */
export async function pinRemote(url: string, policy: NetworkPolicy): Promise<PinnedRemote> {
	const endpoint = remoteEndpoint(url);
	if (!endpoint) return NOTHING_PINNED;
	if (endpoint.host.startsWith("-")) throw addressNotAllowed(`"${endpoint.host}" is not a host name`);
	let addresses: { address: string; family: number }[];
	if (isIP(endpoint.host) !== 0) addresses = [{ address: endpoint.host, family: isIP(endpoint.host) }];
	else {
		try {
			addresses = await lookup(endpoint.host, { all: true, verbatim: true });
		} catch {
			return NOTHING_PINNED;
		}
	}
	const refused = addresses.find(({ address }) => !policy.isAllowed(address));
	if (refused) throw addressNotAllowed(policy.describe(refused.address));
	const [first] = addresses;
	if (!first) return NOTHING_PINNED;
	if (endpoint.scheme === "ssh") {
		return { config: [], sshOptions: [`HostName=${first.address}`, `HostKeyAlias=${endpoint.host}`] };
	}
	const pinned = first.family === 6 ? `[${first.address}]` : first.address;
	return { config: [["http.curloptResolve", `${endpoint.host}:${endpoint.port}:${pinned}`]], sshOptions: [] };
}
