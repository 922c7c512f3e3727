// Entry point: mounts <App /> against the real Tauri shell.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App";
import { applyTheme, storedTheme } from "./app/theme";
import "./styles.css";

applyTheme(storedTheme());

const root = document.getElementById("root");
if (root === null) throw new Error("#root element missing from index.html");
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
