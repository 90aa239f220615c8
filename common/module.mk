LIB_SRCS += common/hvt_error.c common/cpu_state.c
