import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev` proxies the API so the session cookie stays same-origin, exactly as in production,
// where the API itself serves the built files under /console/.
const api = process.env.SENSORIUM_API_URL ?? "http://localhost:8080";

export default defineConfig({
	base: "/console/",
	plugins: [react()],
	build: { outDir: "dist", emptyOutDir: true },
	server: { proxy: { "/v3": { target: api, changeOrigin: false } } },
});
