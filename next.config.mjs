/** @type {import('next').NextConfig} */
const nextConfig = {
  // server.ts owns the process; these stay real Node modules instead of being bundled.
  serverExternalPackages: ["pino", "pino-pretty", "pg", "@prisma/adapter-pg", "ws"],
  poweredByHeader: false,
  reactStrictMode: true,
  typedRoutes: false,
};

export default nextConfig;
