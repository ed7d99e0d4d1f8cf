import { customType } from "drizzle-orm/pg-core";

/** A 64-bit id, kept as a string in JavaScript (ids leave the API as strings). */
export const id = customType<{ data: string; driverData: string }>({
  dataType: () => "bigint",
});

/** A bigint[] column of ids, strings in JavaScript. */
export const idArray = customType<{ data: string[]; driverData: string[] }>({
  dataType: () => "bigint[]",
});
