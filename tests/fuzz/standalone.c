/* standalone.c -- runs a libFuzzer target once on every file named (or found in a named
 * directory), so seed corpora run as ordinary tests in builds without libFuzzer. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    /* Seeds are small by construction; a ceiling keeps a stray file from eating memory. */
    size_t cap = 4u << 20, len = 0;
    uint8_t *buf = malloc(cap);
    if (buf)
        len = fread(buf, 1, cap, f);
    fclose(f);
    if (!buf)
        return -1;
    /* An exact-size copy, so that ASan catches a read one byte past the input (inputs are
     * not NUL-terminated, as network bytes are not). */
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

int main(int argc, char **argv)
{
    int files = 0, errors = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) < 0) {
            perror(argv[i]);
            errors++;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            errors += run_file(argv[i]) < 0;
            files++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
            errors += run_file(path) < 0;
            files++;
        }
        if (d)
            closedir(d);
    }
    printf("%d passed, %d failed\n", files - errors, errors);
    return errors || files == 0;
}
