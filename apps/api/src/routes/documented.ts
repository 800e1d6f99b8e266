import type { HttpMethod, RouteDoc } from "@sensorium/api-contract";

/**
 * Where a handler is registered, taken from the OpenAPI entry of the route it serves: `app.on(...at(entry), …)`.
 * Method and path are written once, in the entry, so the document cannot drift from what is served.
 */
export const at = <M extends HttpMethod, P extends string>(route: RouteDoc<M, P>): [M, P] => [route.method, route.path];
