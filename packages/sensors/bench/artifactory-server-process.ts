/**
 * The contract-test server in its own process for the benchmark, so serving does not share the
 * sensor's event loop. Serves every file under argv[2] as repository "bench"; prints its URL.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ArtifactoryContractServer } from "@sensorium/testing";

const [root, token] = process.argv.slice(2) as [string, string];
const server = await ArtifactoryContractServer.start({
	repositories: [{ key: "bench", type: "LOCAL", packageType: "Generic" }],
	accessTokens: { [token]: { name: "bench" } },
});
for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
	if (!entry.isFile()) continue;
	const absolute = join(entry.parentPath, entry.name);
	server.put("bench", relative(root, absolute), readFileSync(absolute));
}
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
process.on("SIGTERM", () => server.close().then(() => process.exit(0)));
