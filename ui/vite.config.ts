// Vite builds ui/ into ui/dist, which the Tauri shell embeds (see tauri.conf.json `build.frontendDist`).
// Vitest shares this config: tests run in jsdom next to the code they test (`src/**/*.test.ts(x)`).
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [react()],
  // Tauri serves the embedded files from its own origin; relative asset URLs keep that working.
  base: "./",
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    restoreMocks: true,
  },
});
