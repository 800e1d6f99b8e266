import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev` proxies the API so the session cookie stays same-origin, exactly as in production,
// where the API itself serves the built files under /console/.
const api = process.env.SENSORIUM_API_URL ?? "http://localhost:8080";

export default defineConfig({
	base: "/console/",
	plugins: [react()],
	// Where `npm start`, `npm run start:api`, `npm run build` and the images serve it from.
	build: { outDir: "../../dist/console", emptyOutDir: true },
	server: { proxy: { "/v3": { target: api, changeOrigin: false } } },
});
