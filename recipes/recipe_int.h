/*
 * recipe_int: the compiled form of a recipe, shared by the parser (recipe.c),
 * the operand table (recipe_reg.c) and the evaluator (recipe_eval.c).  Not a
 * public interface.
 *
 * A recipe is a list of rules.  A rule is a trigger, an optional condition (a
 * tree of rcp_node in one array, root first) and two action lists: `act` runs
 * when the trigger fires, `ret` when the interrupted code resumes (int/in/out
 * triggers only).  Watches are rules whose trigger is a memory range.  All
 * arrays are owned by struct recipe and freed with it.
 */
#ifndef HVT_RECIPE_INT_H
#define HVT_RECIPE_INT_H

#include "recipes/recipe.h"

#define RCP_NAME_MAX    32
#define RCP_TEXT_MAX    64      /* tags, snapshot labels, stop reasons */
#define RCP_MAX_RULES   64
#define RCP_MAX_ACTIONS 16      /* per action list */
#define RCP_MAX_ITEMS   24      /* per log action */
#define RCP_MAX_NODES   64      /* per condition */
#define RCP_MAX_MEMLOG  64      /* bytes a mem(...) item may log */
#define RCP_MAX_WATCH   0x10000 /* bytes one watch may cover */

enum rcp_trig {
    RCP_T_INT, RCP_T_OUT, RCP_T_IN, RCP_T_ADDR, RCP_T_RSM, RCP_T_HLT,
    RCP_T_STEP, RCP_T_END, RCP_T_RETURN, RCP_T_WATCH
};

struct rcp_trigger {
    uint8_t kind;               /* enum rcp_trig */
    uint8_t vector;             /* INT */
    uint16_t port;              /* OUT, IN */
    struct hvt_addr addr;       /* ADDR */
};

/* Operands: registers, flags and a few pseudo-registers (recipe_reg.c). */
enum rcp_opnd_kind { RCP_O_FIELD, RCP_O_PC, RCP_O_MODE, RCP_O_WINDOW };

struct rcp_operand {
    uint8_t kind;               /* enum rcp_opnd_kind */
    uint8_t field;              /* enum hvt_field, for FIELD */
    uint8_t shift, bits;        /* the slice of the field: al = rax 0/8, ah = 8/8 */
    const char *name;
};

/* A guest address in a log item: SEG:REG (es:di) or a literal. */
struct rcp_loc {
    int regpair;
    struct rcp_operand seg, off;
    struct hvt_addr lit;
};

enum rcp_item_kind { RCP_I_OPND, RCP_I_INSN, RCP_I_NEXT, RCP_I_MEM, RCP_I_E820 };

struct rcp_item {
    uint8_t kind;               /* enum rcp_item_kind */
    struct rcp_operand op;      /* OPND */
    struct rcp_loc loc;         /* MEM, E820 */
    uint16_t len;               /* MEM */
};

enum rcp_act_kind { RCP_A_LOG, RCP_A_SNAPSHOT, RCP_A_RECORD, RCP_A_STOP };

struct rcp_action {
    uint8_t kind;               /* enum rcp_act_kind */
    char text[RCP_TEXT_MAX];    /* LOG tag, SNAPSHOT label, STOP reason ("" = default) */
    int first_item, nitems;     /* LOG: slice of recipe.items */
    struct rcp_trigger until;   /* RECORD: closes the window (kind END: never) */
    uint64_t count;             /* RECORD N: steps, 0 = until `until` */
};

enum rcp_node_op {
    RCP_N_CONST, RCP_N_OPND, RCP_N_NOT, RCP_N_AND, RCP_N_OR, RCP_N_BITAND,
    RCP_N_EQ, RCP_N_NE, RCP_N_LT, RCP_N_LE, RCP_N_GT, RCP_N_GE
};

struct rcp_node {
    uint8_t op;                 /* enum rcp_node_op */
    int16_t a, b;               /* operand node indexes (absolute) */
    uint64_t value;             /* CONST */
    struct rcp_operand opnd;    /* OPND */
};

struct rcp_rule {
    int line;
    char what[48];              /* the trigger as written, for messages */
    struct rcp_trigger trig;
    uint64_t lo, hi;            /* WATCH: linear range, inclusive */
    int ivt;                    /* WATCH: report 4-byte IVT entries */
    size_t watch_off;           /* WATCH: offset in the runtime's copy */
    int once;
    int cond;                   /* root node index, -1 = always */
    int act[RCP_MAX_ACTIONS], nact;
    int ret[RCP_MAX_ACTIONS], nret;
    int frames;                 /* firing waits for the return (ret or record until return) */
};

struct recipe {
    char name[RCP_NAME_MAX];
    char describe[256];
    int has_from;
    struct hvt_addr from;
    int keep_all;
    struct rcp_rule rules[RCP_MAX_RULES];
    int nrules;
    struct rcp_action *actions;
    int nactions, cap_actions;
    struct rcp_item *items;
    int nitems, cap_items;
    struct rcp_node *nodes;
    int nnodes, cap_nodes;
    size_t watch_bytes;         /* sum of all watch ranges */
};

/* recipe_reg.c: operand names ("eax", "al", "cf", "es", "cr0", "pc", "window"). */
int rcp_operand_lookup(const char *name, struct rcp_operand *out);
uint64_t rcp_operand_value(const struct rcp_operand *op, const struct hvt_state *st,
                           int window);
/* "name=0x0000e820" (hex padded to the operand's width; flags and mode decimal). */
size_t rcp_operand_format(const struct rcp_operand *op, const struct hvt_state *st,
                          int window, char *buf, size_t cap);
/* Linear address of SEG:OFF in state st: the segment base when known (CS's
 * alone with HVT_K_CSBASE), else SEG*16 in real or virtual-8086 mode, else 0
 * (flat protected mode). */
uint64_t rcp_linear(const struct hvt_state *st, enum hvt_seg seg, uint64_t off);

#endif
