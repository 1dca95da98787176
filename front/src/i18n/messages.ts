/**
 * Every locale's messages, one file per feature under messages/<locale>/, merged here into
 * namespaces. A new feature adds its two files and one line per locale below; the types make
 * a namespace missing from zh-CN a compile error, and messages.test.ts checks every key.
 */
import enAuth from "@messages/en/auth.json";
import enCart from "@messages/en/cart.json";
import enCommon from "@messages/en/common.json";
import enDashboard from "@messages/en/dashboard.json";
import enOrders from "@messages/en/orders.json";
import enProducts from "@messages/en/products.json";
import enProfile from "@messages/en/profile.json";
import enShipping from "@messages/en/shipping.json";
import enUsers from "@messages/en/users.json";
import zhAuth from "@messages/zh-CN/auth.json";
import zhCart from "@messages/zh-CN/cart.json";
import zhCommon from "@messages/zh-CN/common.json";
import zhDashboard from "@messages/zh-CN/dashboard.json";
import zhOrders from "@messages/zh-CN/orders.json";
import zhProducts from "@messages/zh-CN/products.json";
import zhProfile from "@messages/zh-CN/profile.json";
import zhShipping from "@messages/zh-CN/shipping.json";
import zhUsers from "@messages/zh-CN/users.json";

import type { Locale } from "./config";

const en = {
  common: enCommon,
  auth: enAuth,
  products: enProducts,
  cart: enCart,
  dashboard: enDashboard,
  orders: enOrders,
  users: enUsers,
  profile: enProfile,
  shipping: enShipping,
};

export type Messages = typeof en;

const zhCN: Messages = {
  common: zhCommon,
  auth: zhAuth,
  products: zhProducts,
  cart: zhCart,
  dashboard: zhDashboard,
  orders: zhOrders,
  users: zhUsers,
  profile: zhProfile,
  shipping: zhShipping,
};

export const MESSAGES: Record<Locale, Messages> = { en, "zh-CN": zhCN };
