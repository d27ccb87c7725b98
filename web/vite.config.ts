import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/** `npm run build:web`: the static page into web/dist (served by the local stack's gateway, or any host). */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  logLevel: "warn",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 1000,
    rollupOptions: {
      // zod's bundled regexes carry a /* @__PURE__ */ comment where Rollup cannot use it; Rollup drops the
      // comment (harmless) and says so on every build. Only that notice, only from node_modules, is muted.
      onwarn(warning, warn) {
        if (warning.code === "INVALID_ANNOTATION" && warning.id?.includes("node_modules")) return;
        warn(warning);
      },
    },
  },
});
