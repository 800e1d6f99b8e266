import { messages } from "@sensorium/api-contract";
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppDeps, AppEnv } from "./context.ts";
import { failure, handleError } from "./errors.ts";
import { requireApiToken } from "./middleware/auth.ts";
import { limitPerAddress, limitPerToken } from "./middleware/rate-limit.ts";
import { requestId } from "./middleware/request-id.ts";
import { mountQueueDashboard } from "./queue-dashboard.ts";
import { registerCallbacks } from "./routes/callbacks.ts";
import { registerCbom } from "./routes/cbom.ts";
import { registerConsole } from "./routes/console.ts";
import { registerDiagnostics } from "./routes/diagnostics.ts";
import { registerDocs } from "./routes/docs.ts";
import { registerFindings } from "./routes/findings.ts";
import { registerHealth } from "./routes/health.ts";
import { registerListings } from "./routes/listings.ts";
import { registerScanCallbacks } from "./routes/scan-callbacks.ts";
import { registerScanCreate } from "./routes/scan-create.ts";
import { registerScanDeprecated } from "./routes/scan-deprecated.ts";
import { registerScanExecute } from "./routes/scan-execute.ts";
import { registerScanExport } from "./routes/scan-export.ts";
import { registerScanStatus } from "./routes/scan-status.ts";
import { registerSession, registerSignOut } from "./routes/session.ts";
import { registerTokens } from "./routes/tokens.ts";

const CONTENT_SECURITY_POLICY = [
	"default-src 'self'",
	"script-src 'self'",
	"style-src 'self'",
	"img-src 'self' data:",
	"connect-src 'self'",
	"object-src 'none'",
	"base-uri 'none'",
	"form-action 'self'",
	"frame-ancestors 'none'",
].join("; ");

/**
 * On every response: no inline script or style anywhere (/console and /docs load theirs from this origin), no
 * framing, no type sniffing; API answers are never cached (some carry secrets: new tokens, callback
 * registrations, sessions); HSTS once the request came over https (directly, or as a proxy in front says).
 */
const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
	await next();
	c.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
	c.header("X-Frame-Options", "DENY");
	c.header("X-Content-Type-Options", "nosniff");
	c.header("Referrer-Policy", "no-referrer");
	if (c.req.path.startsWith("/v3/")) c.header("Cache-Control", "no-store");
	if (c.req.url.startsWith("https:") || c.req.header("x-forwarded-proto") === "https") {
		c.header("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
	}
});

/** The whole HTTP surface, without a port or environment: main.ts serves it, tests call app.request(). */
export function createApp(deps: AppDeps): Hono<AppEnv> {
	const app = new Hono<AppEnv>();
	app.use("*", async (c, next) => {
		c.set("deps", deps);
		await next();
	});
	app.use("*", requestId);
	app.use("*", securityHeaders);
	app.onError(handleError);
	app.notFound((c) => failure(c, 404, messages.notFoundRoute));

	registerHealth(app);
	if (deps.consoleDir) registerConsole(app, deps.consoleDir);
	registerDocs(app);
	if (deps.queueDashboard) mountQueueDashboard(app, deps.queueDashboard);
	registerSession(app);
	app.use("/v3/*", limitPerAddress);
	app.use("/v3/*", requireApiToken);
	app.use("/v3/*", limitPerToken);
	registerSignOut(app);
	registerListings(app);
	registerScanCreate(app);
	registerScanExecute(app);
	registerScanDeprecated(app);
	registerFindings(app);
	registerCbom(app);
	registerScanCallbacks(app);
	registerScanExport(app);
	registerDiagnostics(app);
	registerScanStatus(app);
	registerTokens(app);
	registerCallbacks(app);
	return app;
}
