// Validates an OpenAPI document file with @apidevtools/swagger-parser (schema, $refs, paths):
//   node openapi_check.mjs FILE   → prints "valid: <title> <version>, N paths" and exits 0,
//                                   or prints the parser's error and exits 1.
import SwaggerParser from "@apidevtools/swagger-parser";

const file = process.argv[2];
try {
  const api = await SwaggerParser.validate(file);
  console.log(`valid: ${api.info.title} ${api.info.version}, ${Object.keys(api.paths).length} paths`);
} catch (err) {
  console.error(`invalid: ${err.message}`);
  process.exit(1);
}
