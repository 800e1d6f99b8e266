import { lookup as dnsLookup } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { Agent, buildConnector } from "undici";
import type { NetworkPolicy } from "./network-policy.ts";

/** A connection refused by the policy; the message names the address and its range, never a port's state. */
export class AddressNotAllowedError extends Error {
	override readonly name = "AddressNotAllowedError";
}

/**
 * An undici connector that enforces `policy` on the address each connection actually goes to: IP
 * literals before connecting, host names inside the DNS lookup the socket uses, so DNS rebinding
 * between a check and the connect has nothing to slip through.
 */
export function guardedConnector(policy: NetworkPolicy): buildConnector.connector {
	const connect = buildConnector({ lookup: guardedLookup(policy) });
	return (options, callback) => {
		// Node's net.connect skips the lookup function for IP literals.
		if (isIP(options.hostname) !== 0 && !policy.isAllowed(options.hostname)) {
			callback(new AddressNotAllowedError(`address not allowed: ${policy.describe(options.hostname)}`), null);
			return;
		}
		connect(options, callback);
	};
}

/** An undici Agent (keep-alive pool) whose every connection passes `policy`; pass it as `dispatcher`. */
export function createGuardedAgent(policy: NetworkPolicy, options: Omit<Agent.Options, "connect"> = {}): Agent {
	return new Agent({ ...options, connect: guardedConnector(policy) });
}

/**
 * Resolves like the default lookup but fails when any address is not allowed, instead of connecting
 * to the allowed ones only: a name mixing public and internal addresses is a misconfiguration or a
 * rebinding attempt, and refusing it outright makes the outcome independent of address order.
 */
export function guardedLookup(policy: NetworkPolicy): LookupFunction {
	return (hostname, options, callback) => {
		dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
			if (error) return callback(error, []);
			const refused = addresses.find((entry) => !policy.isAllowed(entry.address));
			if (refused) {
				return callback(
					new AddressNotAllowedError(
						`${hostname} resolves to an address not allowed: ${policy.describe(refused.address)}`,
					),
					[],
				);
			}
			const [first] = addresses;
			if (options.all || !first) return callback(null, addresses);
			callback(null, first.address, first.family);
		});
	};
}
