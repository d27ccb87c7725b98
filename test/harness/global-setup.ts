/**
 * Vitest global setup for the integration and e2e projects: builds the template PostgreSQL cluster
 * (platform mirror + migrations) once per run and hands its path to the test files, which each start
 * a private copy (see `database.ts`).
 */
import { rmSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { buildTemplateCluster } from "./postgres-cluster.ts";

declare module "vitest" {
  export interface ProvidedContext {
    pgTemplateDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const templateDir = await buildTemplateCluster();
  project.provide("pgTemplateDir", templateDir);
  return () => rmSync(templateDir, { recursive: true, force: true });
}
