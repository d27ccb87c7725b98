import { defineConfig } from "vitest/config";

/**
 * Three projects, split by file suffix (supabase-mcp's layout):
 * - unit: `*.test.ts` next to the code, no services, fast;
 * - integration: `*.integration.ts`, real PostgreSQL + pg_cron, s3rver and Deno started by the harness;
 * - e2e: `test/e2e/*.e2e.ts`, the whole local stack.
 */
export default defineConfig({
  test: {
    // The AWS SDK warns once per process that releases after January 2027 need Node 22; the lockfile pins
    // a release that supports Node 20 (see README). Keep test output readable.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    projects: [
      {
        test: {
          name: "unit",
          // web/ tests declare `// @vitest-environment happy-dom` (a DOM without a browser).
          include: ["{shared,inference-node,models,test,infra,supabase,web}/**/*.test.ts"],
          exclude: ["**/node_modules/**"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["{shared,inference-node,models,test,infra,supabase}/**/*.integration.ts"],
          exclude: ["**/node_modules/**"],
          globalSetup: ["test/harness/global-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.e2e.ts"],
          globalSetup: ["test/harness/global-setup.ts"],
          testTimeout: 600_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
