import type { RouteDoc } from "../route-doc.ts";
import { callbackRoutes } from "./callbacks.ts";
import { exportRoutes } from "./exports.ts";
import { findingRoutes } from "./findings.ts";
import { listingRoutes } from "./listings.ts";
import { scanRoutes } from "./scans.ts";
import { sessionRoutes } from "./session.ts";
import { tokenRoutes } from "./tokens.ts";

/** Every public route: the OpenAPI document and its tests are built from this list. */
export const ROUTES: RouteDoc[] = [
	sessionRoutes,
	listingRoutes,
	scanRoutes,
	findingRoutes,
	exportRoutes,
	callbackRoutes,
	tokenRoutes,
].flatMap((group) => Object.values(group));
