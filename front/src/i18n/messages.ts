/**
 * Every locale's messages, one file per feature under messages/<locale>/, merged here into
 * namespaces. A new feature adds its two files and one line per locale below; the types make
 * a namespace missing from zh-CN a compile error, and messages.test.ts checks every key.
 */
import enAuth from "@messages/en/auth.json";
import enCart from "@messages/en/cart.json";
import enCommon from "@messages/en/common.json";
import enProducts from "@messages/en/products.json";
import zhAuth from "@messages/zh-CN/auth.json";
import zhCart from "@messages/zh-CN/cart.json";
import zhCommon from "@messages/zh-CN/common.json";
import zhProducts from "@messages/zh-CN/products.json";

import type { Locale } from "./config";

const en = {
  common: enCommon,
  auth: enAuth,
  products: enProducts,
  cart: enCart,
};

export type Messages = typeof en;

const zhCN: Messages = {
  common: zhCommon,
  auth: zhAuth,
  products: zhProducts,
  cart: zhCart,
};

export const MESSAGES: Record<Locale, Messages> = { en, "zh-CN": zhCN };
