import next from "eslint-config-next";

const config = [
  {
    ignores: [
      "lib/db/generated/**",
      ".next/**",
      "node_modules/**",
      ".scion/**",
      "test-results/**",
      "playwright-report/**",
    ],
  },
  ...next,
];

export default config;
