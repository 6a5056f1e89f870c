/** @type {import('next').NextConfig} */
const nextConfig = {
  // server.ts owns the process; these stay real Node modules instead of being bundled.
  serverExternalPackages: ["pino", "pino-pretty", "pg", "@prisma/adapter-pg", "ws"],
  poweredByHeader: false,
  reactStrictMode: true,
  typedRoutes: false,
  // Next.js 15+ loads the module of every page and route handler while it starts (some 80 here),
  // about 0.6 s of the hub's start on a two-core machine, most of them for routes a given replica
  // rarely serves. Each route's module now loads on its first request instead, as it did before
  // Next.js 15 (npm run bench -- cold-start prints what the first request costs).
  experimental: { preloadEntriesOnStart: false },
  // `npm test` and `npm run typecheck` type-check the whole repository (tests included); the
  // production build does not repeat it, so `npm start` is faster and never fails on a test file.
  typescript: { ignoreBuildErrors: true },
};

export default nextConfig;
