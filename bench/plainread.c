// The machine's limit for a scan: a plain read of a mapped file with 2 threads and AVX2 loads (whole process),
// built by bench/stats_bench.py and printed beside heft stats for the same bytes in the same run.
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
typedef struct { const unsigned char *p; size_t n; unsigned long long out; } job;
static void *run(void *a) {
    job *j = a; __m256i acc = _mm256_setzero_si256(), acc2 = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 64 <= j->n; i += 64) {
        acc = _mm256_xor_si256(acc, _mm256_loadu_si256((const __m256i *)(j->p + i)));
        acc2 = _mm256_xor_si256(acc2, _mm256_loadu_si256((const __m256i *)(j->p + i + 32)));
    }
    acc = _mm256_xor_si256(acc, acc2);
    unsigned long long r[4]; _mm256_storeu_si256((__m256i *)r, acc);
    j->out = r[0] ^ r[1] ^ r[2] ^ r[3];
    return 0;
}
int main(int argc, char **argv) {
    struct timespec t0, t1; clock_gettime(CLOCK_MONOTONIC, &t0);
    int fd = open(argv[1], O_RDONLY); struct stat st; fstat(fd, &st);
    const unsigned char *p = mmap(0, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    job j[2] = {{p, st.st_size / 2, 0}, {p + st.st_size / 2, st.st_size - st.st_size / 2, 0}};
    pthread_t t[2]; for (int k = 0; k < 2; k++) pthread_create(&t[k], 0, run, &j[k]);
    for (int k = 0; k < 2; k++) pthread_join(t[k], 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%llx %.3f s %.2f GB/s\n", j[0].out ^ j[1].out, s, st.st_size / s / 1e9);
}
