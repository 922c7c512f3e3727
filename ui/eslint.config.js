// ESLint for the UI: typescript-eslint's type-aware recommended rules and React's hooks rules.
// `npm run lint` fails on any warning (cargo xtask test runs it).
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist", "node_modules"] },
  {
    files: ["**/*.{ts,tsx}"],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      ecmaVersion: 2022,
      globals: globals.browser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // Tests hand promises to mocks and reject with plain `{code, message}` objects, as the shell does.
      "@typescript-eslint/prefer-promise-reject-errors": "off",
    },
  },
);
