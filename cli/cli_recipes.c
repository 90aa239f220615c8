/*
 * cli_recipes: `hvtrace recipes [NAME]` — list the built-in investigation
 * recipes with a line each, or print one's source (a starting point for a
 * recipe file of your own; the format is in docs/recipes.md).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "recipes/recipe.h"

int cmd_recipes(int argc, char **argv)
{
    if (argc > 2 || (argc == 2 && !strcmp(argv[1], "--help"))) {
        printf("usage: hvtrace recipes [NAME]\nList the built-in recipes, or print "
               "recipe NAME.\nRun one with: hvtrace record --recipe NAME -o RUN DISK\n");
        return argc > 2 ? CLI_TROUBLE : CLI_OK;
    }
    if (argc == 2) {
        const struct recipe_builtin *b = recipe_builtin_find(argv[1]);
        if (!b)
            return cli_usage("recipes", "no built-in recipe '%s'", argv[1]);
        fputs(b->text, stdout);
        return CLI_OK;
    }
    size_t n;
    const struct recipe_builtin *list = recipe_builtin_list(&n);
    for (size_t i = 0; i < n; i++) {
        struct recipe *r;
        hvt_error err = { "" };
        if (recipe_parse(list[i].text, strlen(list[i].text), list[i].name, &r, &err))
            return cli_fail("recipes", "%s", err.msg);
        printf("%-12s %s\n", list[i].name, recipe_describe(r));
        recipe_free(r);
    }
    return CLI_OK;
}
