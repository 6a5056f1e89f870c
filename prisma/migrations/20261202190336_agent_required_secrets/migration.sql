-- AlterTable
ALTER TABLE "agents" ADD COLUMN     "requiredSecrets" TEXT[] DEFAULT ARRAY[]::TEXT[];
