// Open MPI's handles are macros over addresses of globals, which Swift does not import:
// these return them.
#include <mpi.h>

static inline MPI_Comm lemmse_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype lemmse_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype lemmse_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype lemmse_int64(void) { return MPI_INT64_T; }
static inline MPI_Status *lemmse_status_ignore(void) { return MPI_STATUS_IGNORE; }
