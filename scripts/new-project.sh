#!/usr/bin/env bash
# Stamps the boilerplate of a workspace project: scripts/new-project.sh <lib|app> <name> <tag> [deps...]
set -euo pipefail
kind=$1 name=$2 tag=$3; shift 3
root=$([ "$kind" = app ] && echo apps || echo libs)/$name
mkdir -p "$root/src"
deps_json=""; refs_json=""
for d in "$@"; do
  deps_json+="    \"@sluice/$d\": \"*\",\n"
  refs_json+="    { \"path\": \"../../libs/$d/tsconfig.lib.json\" },\n"
done
deps_json=${deps_json%,\\n}; refs_json=${refs_json%,\\n}
main=$([ "$kind" = app ] && echo dist/main.js || echo dist/index.js)
cat > "$root/package.json" <<JSON
{
  "name": "@sluice/$name",
  "version": "0.1.0",
  "private": true,
  "main": "$main",
  "types": "dist/index.d.ts",
  "dependencies": {
$(printf "$deps_json")
  }
}
JSON
cat > "$root/project.json" <<JSON
{
  "name": "$name",
  "\$schema": "../../node_modules/nx/schemas/project-schema.json",
  "sourceRoot": "$root/src",
  "projectType": "$([ "$kind" = app ] && echo application || echo library)",
  "tags": ["$tag"],
  "targets": {
    "build": {
      "executor": "nx:run-commands",
      "options": { "command": "tsc -b $root/tsconfig.$kind.json" }
    },
    "typecheck": {
      "executor": "nx:run-commands",
      "options": { "command": "tsc -p $root/tsconfig.spec.json --noEmit" }
    },
    "lint": {
      "executor": "nx:run-commands",
      "options": { "command": "eslint $root" }
    },
    "test": {
      "executor": "nx:run-commands",
      "options": { "command": "jest -c $root/jest.config.js --passWithNoTests" }
    }
  }
}
JSON
cat > "$root/tsconfig.$kind.json" <<JSON
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": {
    "rootDir": "src",
    "outDir": "dist",
    "tsBuildInfoFile": "dist/tsconfig.$kind.tsbuildinfo"
  },
  "include": ["src/**/*.ts"],
  "exclude": ["src/**/*.spec.ts", "src/**/*.int-spec.ts", "src/**/*.e2e-spec.ts"],
  "references": [
$(printf "$refs_json")
  ]
}
JSON
cat > "$root/tsconfig.spec.json" <<JSON
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": {
    "composite": false,
    "incremental": false,
    "declaration": false,
    "declarationMap": false,
    "noEmit": true,
    "types": ["node", "jest"]
  },
  "include": ["src/**/*.ts", "test/**/*.ts"]
}
JSON
cat > "$root/jest.config.js" <<JS
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: '$name',
  rootDir: __dirname,
  testMatch: ['<rootDir>/{src,test}/**/*.{spec,int-spec,e2e-spec}.ts'],
};
JS
