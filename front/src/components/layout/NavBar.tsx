"use client";

import { useTranslations } from "next-intl";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useState } from "react";

import { useAuth } from "@/contexts/auth";
import { useCart } from "@/contexts/cart";

import { LocaleSwitch } from "./LocaleSwitch";

interface NavLink {
  href: string;
  label: string;
}

function NavLinks({ links, pathname }: { links: readonly NavLink[]; pathname: string }) {
  return (
    <ul className="flex flex-col gap-1 md:flex-row md:items-center">
      {links.map((link) => {
        const current = pathname === link.href || pathname.startsWith(`${link.href}/`);
        return (
          <li key={link.href}>
            <Link
              href={link.href}
              aria-current={current ? "page" : undefined}
              className="block rounded-md px-3 py-2 text-sm text-slate-100 hover:bg-slate-700 aria-[current=page]:bg-slate-700 aria-[current=page]:font-semibold"
            >
              {link.label}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}

export function NavBar() {
  const t = useTranslations("common");
  const { status, user, isAdmin, signOut } = useAuth();
  const { count } = useCart();
  const pathname = usePathname();
  const router = useRouter();
  // A phone's menu is open on the page where it was opened: following a link closes it.
  const [menuOpenOn, setMenuOpenOn] = useState<string | null>(null);
  const menuOpen = menuOpenOn === pathname;

  const links: NavLink[] =
    status === "signedIn"
      ? [
          { href: "/dashboard", label: t("nav.dashboard") },
          { href: "/products", label: t("nav.products") },
          { href: "/cart", label: count > 0 ? t("nav.cartWithCount", { count }) : t("nav.cart") },
          { href: "/orders", label: t("nav.orders") },
          ...(isAdmin ? [{ href: "/users", label: t("nav.users") }] : []),
          { href: "/profile", label: t("nav.profile") },
        ]
      : [
          { href: "/login", label: t("nav.signIn") },
          { href: "/register", label: t("nav.register") },
        ];

  async function handleSignOut() {
    await signOut().catch(() => undefined);
    router.push("/login");
  }

  return (
    <header className="bg-slate-900 text-white">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-2 px-4 py-2">
        <Link href="/" className="rounded-md px-1 py-2 text-lg font-semibold">
          {t("app.name")}
        </Link>
        <button
          type="button"
          className="rounded-md border border-slate-500 px-3 py-2 text-sm md:hidden"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpenOn(menuOpen ? null : pathname)}
        >
          {t("nav.menu")}
        </button>
        <nav
          id="main-nav"
          aria-label={t("nav.label")}
          className={`${menuOpen ? "flex" : "hidden"} w-full flex-col gap-3 pb-3 md:flex md:w-auto md:flex-row md:items-center md:pb-0`}
        >
          <NavLinks links={links} pathname={pathname} />
          <div className="flex flex-col gap-2 border-t border-slate-700 pt-3 md:flex-row md:items-center md:border-0 md:pt-0">
            <LocaleSwitch />
            {user && (
              <>
                <span className="px-3 text-sm text-slate-300">{t("nav.signedInAs", { username: user.username })}</span>
                <button
                  type="button"
                  onClick={handleSignOut}
                  className="rounded-md px-3 py-2 text-left text-sm text-slate-100 hover:bg-slate-700"
                >
                  {t("nav.signOut")}
                </button>
              </>
            )}
          </div>
        </nav>
      </div>
    </header>
  );
}
