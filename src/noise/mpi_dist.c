/*
 * mpi_dist.c - the datachunk stage's process layout over MPI (see
 * mpi_dist.h). Only the calling thread of each process uses MPI.
 */
#include "noise/mpi_dist.h"

#include <stdint.h>
#include <stdlib.h>

#include "strata/error.h"

#ifdef STRATA_HAVE_MPI

#include <mpi.h>

/* Tags of the two messages that carry one result: its length, its bytes. */
enum { TAG_LENGTH = 7001, TAG_BYTES = 7002 };

/* Bytes per MPI message: counts are int. */
#define PIECE ((size_t)1 << 30)

static int mpi_error(int code, const char *what)
{
	char text[MPI_MAX_ERROR_STRING];
	int len = 0;

	if (MPI_Error_string(code, text, &len) != MPI_SUCCESS)
		return strata_error_set(STRATA_EIO, "MPI %s: error %d", what, code);
	return strata_error_set(STRATA_EIO, "MPI %s: %.*s", what, len, text);
}

static int barrier(void *ctx)
{
	int rc = MPI_Barrier(MPI_COMM_WORLD);

	(void)ctx;
	return rc == MPI_SUCCESS ? 0 : mpi_error(rc, "barrier");
}

/* Send len bytes to rank 0: the length, then the bytes in pieces. */
static int send_to_root(void *ctx, const void *data, size_t len)
{
	uint64_t n = len;
	int rc = MPI_Send(&n, 1, MPI_UINT64_T, 0, TAG_LENGTH, MPI_COMM_WORLD);

	(void)ctx;
	for (size_t off = 0; rc == MPI_SUCCESS && off < len; off += PIECE) {
		size_t k = len - off < PIECE ? len - off : PIECE;
		rc = MPI_Send((const char *)data + off, (int)k, MPI_BYTE, 0, TAG_BYTES,
		              MPI_COMM_WORLD);
	}
	return rc == MPI_SUCCESS ? 0 : mpi_error(rc, "send");
}

/* Receive what rank from sent with send_to_root into a malloc'd buffer. */
static int recv_from(void *ctx, int from, void **data, size_t *len)
{
	uint64_t n = 0;
	char *buf;
	int rc = MPI_Recv(&n, 1, MPI_UINT64_T, from, TAG_LENGTH, MPI_COMM_WORLD, MPI_STATUS_IGNORE);

	(void)ctx;
	*data = NULL;
	*len = 0;
	if (rc != MPI_SUCCESS)
		return mpi_error(rc, "receive");
	if (n > SIZE_MAX / 2 || !(buf = malloc(n ? (size_t)n : 1)))
		return strata_error_set(STRATA_ENOMEM, "MPI rank %d: %llu bytes: out of memory",
		                        from, (unsigned long long)n);
	for (size_t off = 0; rc == MPI_SUCCESS && off < (size_t)n; off += PIECE) {
		size_t k = (size_t)n - off < PIECE ? (size_t)n - off : PIECE;
		rc = MPI_Recv(buf + off, (int)k, MPI_BYTE, from, TAG_BYTES, MPI_COMM_WORLD,
		              MPI_STATUS_IGNORE);
	}
	if (rc != MPI_SUCCESS) {
		free(buf);
		return mpi_error(rc, "receive");
	}
	*data = buf;
	*len = (size_t)n;
	return 0;
}

int noise_mpi_available(void)
{
	return 1;
}

int noise_mpi_start(noise_datachunk_dist *dist)
{
	int rc = MPI_Init(NULL, NULL);

	if (rc != MPI_SUCCESS)
		return mpi_error(rc, "init");
	/* errors come back as codes instead of aborting inside MPI */
	MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
	*dist = (noise_datachunk_dist){
	    .ctx = NULL, .barrier = barrier, .send = send_to_root, .recv = recv_from};
	MPI_Comm_rank(MPI_COMM_WORLD, &dist->rank);
	MPI_Comm_size(MPI_COMM_WORLD, &dist->size);
	return 0;
}

void noise_mpi_finish(void)
{
	MPI_Finalize();
}

void noise_mpi_abort(int status)
{
	MPI_Abort(MPI_COMM_WORLD, status);
}

#else /* built without MPI */

int noise_mpi_available(void)
{
	return 0;
}

int noise_mpi_start(noise_datachunk_dist *dist)
{
	(void)dist;
	return strata_error_set(STRATA_EUNSUPPORTED,
	                        "--mpi: this strata was built without MPI (install libopenmpi-dev "
	                        "and rebuild)");
}

void noise_mpi_finish(void)
{
}

void noise_mpi_abort(int status)
{
	(void)status;
}

#endif
