// The `HelprApi` the views call, handed down by context so component tests can render any view
// against a stand-in shell. Views never import the Tauri wrappers directly.
import { createContext, useContext } from "react";
import { tauriApi, type HelprApi } from "../api";

export const ApiContext = createContext<HelprApi>(tauriApi);

/** The shell the views call. */
export function useApi(): HelprApi {
  return useContext(ApiContext);
}
