// SPDX-License-Identifier: GPL-2.0-only
/*
 * The oracle of tests/finalize_oracle.rs: linked against a tree's own scripts/kconfig objects
 * (in place of conf.c), it runs conf_parse() -- the parse, menu_finalize() and the
 * recursive-dependency check -- and writes what conf then holds: every named symbol (type,
 * flags, dir_dep, rev_dep, implied, properties) and the menu tree, in the format
 * tests/support/model_dump.rs writes for ktailor's model.
 *
 *	kconfig_dump KCONFIG OUTPUT
 *
 * The release's differences are compile-time switches, chosen from the tree's expr.h:
 * KT_FILENAME (6.9+: `filename` strings instead of `struct file`), KT_HAS_E_LIST and
 * KT_HAS_P_SYMBOL (up to 6.10), KT_CHOICE_MEMBERS (6.11+: menu->choice_members),
 * KT_SYM_MENUS (6.9+: sym->menus), KT_FORALL_2 (up to 6.8: for_all_symbols(i, sym)).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lkc.h"
#if __has_include("internal.h")
#include "internal.h"
#endif

#ifdef KT_FILENAME
#define MFILE(m) ((m)->filename ? (m)->filename : "-")
#define PFILE(p) ((p)->filename ? (p)->filename : "-")
#else
#define MFILE(m) ((m)->file ? (m)->file->name : "-")
#define PFILE(p) ((p)->file ? (p)->file->name : "-")
#endif

/* The flags of interest; the others belong to the evaluator. */
#ifdef SYMBOL_CHOICE
#define KT_FLAGS (SYMBOL_CONST | SYMBOL_CHECK | SYMBOL_CHOICE | SYMBOL_CHOICEVAL | \
		  SYMBOL_OPTIONAL | SYMBOL_NO_WRITE | SYMBOL_CHECKED | SYMBOL_WARNED)
#else
#define KT_FLAGS (SYMBOL_CONST | SYMBOL_CHECK | SYMBOL_CHECKED | SYMBOL_WARNED)
#endif

static FILE *out;

/* Anonymous choices, named after their (only) menu entry. */
static struct {
	struct symbol *sym;
	struct menu *menu;
} anon[4096];
static int nanon;

static void pstr(const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = *s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void pmenuloc(struct menu *m)
{
	if (!m)
		fputs("-", out);
	else if (m == &rootmenu)
		fputs("root", out);
	else
		fprintf(out, "@%s:%d", MFILE(m), m->lineno);
}

static void psym(struct symbol *s)
{
	int i;

	if (!s) {
		fputs("NULL", out);
	} else if (s == &symbol_yes) {
		fputs("y", out);
	} else if (s == &symbol_mod) {
		fputs("m", out);
	} else if (s == &symbol_no) {
		fputs("n", out);
	} else if (!s->name) {
		for (i = 0; i < nanon; i++)
			if (anon[i].sym == s)
				break;
		fputs("<choice", out);
		if (i < nanon)
			pmenuloc(anon[i].menu);
		fputs(">", out);
	} else if (sym_is_choice(s)) {
		fprintf(out, "<choice:%s>", s->name);
	} else if (s->flags & SYMBOL_CONST) {
		pstr(s->name);
	} else {
		fputs(s->name, out);
	}
}

static void pexpr(struct expr *e)
{
	static const char *const cmp[] = {
		[E_EQUAL] = "=", [E_UNEQUAL] = "!=", [E_LTH] = "<",
		[E_LEQ] = "<=", [E_GTH] = ">", [E_GEQ] = ">=",
	};

	if (!e) {
		fputs("-", out);
		return;
	}
	switch (e->type) {
	case E_SYMBOL:
		psym(e->left.sym);
		break;
	case E_NOT:
		fputs("(! ", out);
		pexpr(e->left.expr);
		fputs(")", out);
		break;
	case E_AND:
	case E_OR:
		fputs(e->type == E_AND ? "(&& " : "(|| ", out);
		pexpr(e->left.expr);
		fputs(" ", out);
		pexpr(e->right.expr);
		fputs(")", out);
		break;
	case E_EQUAL:
	case E_UNEQUAL:
	case E_LTH:
	case E_LEQ:
	case E_GTH:
	case E_GEQ:
		fprintf(out, "(%s ", cmp[e->type]);
		psym(e->left.sym);
		fputs(" ", out);
		psym(e->right.sym);
		fputs(")", out);
		break;
	case E_RANGE:
		fputs("(range ", out);
		psym(e->left.sym);
		fputs(" ", out);
		psym(e->right.sym);
		fputs(")", out);
		break;
#ifdef KT_HAS_E_LIST
	case E_LIST:
		fputs("(list", out);
		for (; e; e = e->left.expr) {
			fputs(" ", out);
			psym(e->right.sym);
		}
		fputs(")", out);
		break;
#endif
	default:
		fprintf(out, "(?%d)", e->type);
	}
}

static void pprop(struct symbol *owner, struct property *p)
{
	fprintf(out, "%s ", prop_get_type_name(p->type));
#ifdef KT_HAS_P_SYMBOL
	/* Choice values get their P_CHOICE in menu_finalize, at the parser's last position. */
	if (p->type == P_CHOICE && owner && !sym_is_choice(owner))
		fputs("@?", out);
	else
#endif
		fprintf(out, "@%s:%d", PFILE(p), p->lineno);
	fputs(" menu=", out);
	pmenuloc(p->menu);
	if (p->text) {
		fputs(" text=", out);
		pstr(p->text);
	}
	fputs(" expr=", out);
	pexpr(p->expr);
	fputs(" vis=", out);
	pexpr(p->visible.expr);
	fputs("\n", out);
}

static void psymbol(struct symbol *s)
{
	struct property *p;

	fputs("sym ", out);
	psym(s);
	fprintf(out, " %s flags=0x%x\n", sym_type_name(s->type), s->flags & KT_FLAGS);
	fputs("  dir_dep ", out);
	pexpr(s->dir_dep.expr);
	fputs("\n  rev_dep ", out);
	pexpr(s->rev_dep.expr);
	fputs("\n  implied ", out);
	pexpr(s->implied.expr);
	fputs("\n", out);
#ifdef KT_SYM_MENUS
	{
		struct menu *m;

		fputs("  menus", out);
		list_for_each_entry(m, &s->menus, link) {
			fputs(" ", out);
			pmenuloc(m);
		}
		fputs("\n", out);
	}
#endif
	for (p = s->prop; p; p = p->next) {
		fputs("  prop ", out);
		pprop(s, p);
	}
}

static void collect_anon(struct menu *m)
{
	struct menu *c;

	if (m->sym && !m->sym->name && nanon < (int)(sizeof(anon) / sizeof(anon[0]))) {
		anon[nanon].sym = m->sym;
		anon[nanon].menu = m;
		nanon++;
	}
	for (c = m->list; c; c = c->next)
		collect_anon(c);
}

static void pmenu(struct menu *m, int depth)
{
	struct menu *c;

	fprintf(out, "menu %d ", depth);
	pmenuloc(m);
	fputs(" sym=", out);
	if (m->sym)
		psym(m->sym);
	else
		fputs("-", out);
	fputs("\n  dep ", out);
	pexpr(m->dep);
	fputs("\n  visibility ", out);
	pexpr(m->visibility);
	fputs("\n", out);
	if (m->prompt) {
		fputs("  prompt ", out);
		pprop(m->sym, m->prompt);
	}
	if (m->help) {
		fputs("  help ", out);
		pstr(m->help);
		fputs("\n", out);
	}
#ifdef KT_CHOICE_MEMBERS
	if (m->sym && sym_is_choice(m->sym)) {
		struct symbol *s;

		fputs("  members", out);
		list_for_each_entry(s, &m->choice_members, choice_link) {
			fputs(" ", out);
			psym(s);
		}
		fputs("\n", out);
	}
#endif
	if (m->sym && !m->sym->name)
		psymbol(m->sym);
	for (c = m->list; c; c = c->next) {
		if (c->parent != m) {
			fputs("  child-with-other-parent ", out);
			pmenuloc(c->parent);
			fputs("\n", out);
		}
		pmenu(c, depth + 1);
	}
}

static int cmp_sym(const void *a, const void *b)
{
	struct symbol *x = *(struct symbol *const *)a, *y = *(struct symbol *const *)b;
	int r = strcmp(x->name, y->name);

	if (r)
		return r;
	r = (x->flags & SYMBOL_CONST) - (y->flags & SYMBOL_CONST);
	if (r)
		return r;
	return (int)sym_is_choice(x) - (int)sym_is_choice(y);
}

int main(int argc, char **argv)
{
	struct symbol *sym, **syms = NULL;
	size_t n = 0, cap = 0, k;
#ifdef KT_FORALL_2
	int i;
#endif

	if (argc != 3) {
		fprintf(stderr, "usage: %s KCONFIG OUTPUT\n", argv[0]);
		return 2;
	}
	conf_parse(argv[1]);
	out = fopen(argv[2], "w");
	if (!out) {
		perror(argv[2]);
		return 2;
	}
	collect_anon(&rootmenu);
#ifdef KT_FORALL_2
	for_all_symbols(i, sym) {
#else
	for_all_symbols(sym) {
#endif
		if (!sym->name)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			syms = realloc(syms, cap * sizeof(*syms));
			if (!syms)
				return 2;
		}
		syms[n++] = sym;
	}
	qsort(syms, n, sizeof(*syms), cmp_sym);
	fputs("modules ", out);
	psym(modules_sym);
	fputs("\n", out);
	for (k = 0; k < n; k++)
		psymbol(syms[k]);
	pmenu(&rootmenu, 0);
	return fclose(out) ? 2 : 0;
}
