export { type EgressProxy, startEgressProxy } from "./egress-proxy.ts";
export {
	AddressNotAllowedError,
	createGuardedAgent,
	guardedConnector,
	guardedLookup,
} from "./guarded-connection.ts";
export { createNetworkPolicy, type NetworkPolicy, parseAllowedNetworks } from "./network-policy.ts";
