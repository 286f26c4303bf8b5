/*
 * tap.c - the TAP driver: Ethernet frames to and from a Linux TAP device.
 *
 * A TAP device is a network interface whose "wire" is a file descriptor:
 * every frame the kernel sends out of tap0 can be read() from the fd, and
 * every frame we write() arrives at the kernel as if received on tap0.
 * The kernel side of tap0 is a host with its own MAC and addresses; glass
 * is the machine at the other end of the cable, with a MAC of its own.
 *
 * Opening one (see Documentation/networking/tuntap.rst in Linux):
 *   open("/dev/net/tun"), then ioctl TUNSETIFF {name, IFF_TAP|IFF_NO_PI}
 *   attaches the fd to the device (creating it if it does not exist and
 *   we hold CAP_NET_ADMIN).  IFF_NO_PI: frames come without the 4-byte
 *   packet-information prefix, so the fd carries plain Ethernet frames.
 *
 * Impairments (glass_netif_impair, --if tap:tap0,loss=3%,delay=5ms,...):
 * when set, every frame read and every frame to write goes through an
 * impairment engine (impair.c) first, like netem on both ends of the
 * cable.  The capture sees what the stack sent (before the engine) and
 * what the stack received (after it).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "drivers.h"
#include "eth.h"
#include "impair.h"
#include "mem.h"
#include "netif.h"
#include "pkb.h"
#include "stack.h"
#include "trace.h"

#define TUN_PATH "/dev/net/tun"
#define VLAN_HLEN 4             /* a tagged frame is 4 bytes longer (IEEE 802.1Q) */

struct tap {
    int fd;                     /* -1 once the device has gone away */
    size_t rx_size;             /* data room of a receive buffer */
    struct pkb *spare;          /* buffer for the next read(), kept across EAGAIN */
    struct impair *impair;      /* NULL: a clean link */
};

/* ---- the data path ------------------------------------------------------ */

/* A TAP write is one whole frame or nothing.  EAGAIN means the kernel's
 * queue for tap0 is full: the frame is dropped, as a busy NIC would. */
static int tap_write(struct tap *t, const struct pkb *pkb)
{
    if (t->fd < 0)
        return -ENODEV;
    size_t len = pkb_len(pkb);
    ssize_t n = write(t->fd, pkb->data, len);
    if (n < 0)
        return -errno;
    return (size_t)n == len ? 0 : -EIO;
}

/* On an impaired link the engine decides how many copies go now (a lost
 * frame still "left" as far as the stack can tell: 0). */
static int tap_transmit(struct glass_netif *nif, struct pkb *pkb)
{
    struct tap *t = nif->priv;
    if (!t->impair)
        return tap_write(t, pkb);
    int rc = 0;
    for (unsigned copies = impair_tx(t->impair, pkb); copies; copies--) {
        int r = tap_write(t, pkb);
        if (r < 0)
            rc = r;
    }
    return rc;
}

/* A frame the engine held is due: received ones go up the stack, sent
 * ones to the device (a failed write counts as the stack's tx errors do). */
static void tap_impair_deliver(struct glass_netif *nif, enum impair_dir dir, struct pkb *p)
{
    struct tap *t = nif->priv;
    if (dir == IMPAIR_RX) {
        netif_input(nif, p);
        return;
    }
    if (tap_write(t, p) < 0) {
        nif->cnt.tx_errors++;
        STAT_INC(nif->stack, eth, tx_error);
    }
    pkb_free(nif->stack, p);
}

/* Room a received frame may need: header, an 802.1Q tag and the larger of
 * our MTU and what the device last handed us. */
static size_t tap_rx_size(const struct glass_netif *nif, const struct tap *t)
{
    size_t want = ETH_HLEN + VLAN_HLEN + nif->mtu;
    return want > t->rx_size ? want : t->rx_size;
}

/* The buffer for the next read: the spare one if it is still big enough. */
static struct pkb *tap_rx_buffer(struct glass_netif *nif, struct tap *t)
{
    size_t size = tap_rx_size(nif, t);
    if (t->spare && pkb_tailroom(t->spare) < size) {
        pkb_free(nif->stack, t->spare);
        t->spare = NULL;
    }
    if (!t->spare)
        t->spare = pkb_alloc(nif->stack, size);
    return t->spare;
}

/* Out of memory: read the frame into a small buffer (the kernel discards
 * what does not fit) so the fd stops being readable, and count the drop. */
static ssize_t tap_discard_one(struct glass_netif *nif, struct tap *t)
{
    uint8_t scrap[64];
    ssize_t n = read(t->fd, scrap, sizeof scrap);
    if (n > 0) {
        nif->cnt.rx_dropped++;
        TRACE(nif->stack, GLASS_TRACE_ETH, "eth   %s drop: no memory for a %zd-byte frame",
              nif->name, n);
    }
    return n;
}

/* The descriptor failed for good (the device was deleted under us):
 * say so once and stop polling it, instead of spinning on POLLERR. */
static void tap_dead(struct glass_netif *nif, struct tap *t, int err)
{
    fprintf(stderr, "glass: %s: %s; the interface stops receiving (was the device deleted?)\n",
            nif->name, strerror(err));
    close(t->fd);
    t->fd = -1;
}

/* A read() longer than our buffer means the frame was cut short: the tun
 * driver returns the frame's full length but copies only what fits.
 * Drop it and size the next buffers for such frames (the kernel side's
 * MTU must have grown). */
static void tap_truncated(struct glass_netif *nif, struct tap *t, size_t got, size_t room)
{
    nif->cnt.rx_dropped++;
    TRACE(nif->stack, GLASS_TRACE_ETH, "eth   %s drop: %zu-byte frame does not fit %zu bytes",
          nif->name, got, room);
    t->rx_size = got < PKB_MAX_DATA ? got : PKB_MAX_DATA;
}

static int tap_receive(struct glass_netif *nif, int budget)
{
    struct tap *t = nif->priv;
    int frames = 0;
    while (t->fd >= 0 && frames < budget) {
        struct pkb *p = tap_rx_buffer(nif, t);
        size_t room = p ? pkb_tailroom(p) : 0;
        /* Read straight into the buffer's data area: no copy. */
        ssize_t n = p ? read(t->fd, p->data, room) : tap_discard_one(nif, t);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN)
                tap_dead(nif, t, errno);
            break;
        }
        if (n == 0)
            break;
        frames++;
        if (!p)
            continue;
        if ((size_t)n > room) {
            tap_truncated(nif, t, (size_t)n, room);
            continue;
        }
        pkb_put(p, (size_t)n);
        t->spare = NULL;
        if (t->impair)
            impair_rx(t->impair, p);
        else
            netif_input(nif, p);
    }
    return frames;
}

static int tap_fd(struct glass_netif *nif)
{
    const struct tap *t = nif->priv;
    return t->fd;
}

static void tap_close(struct glass_netif *nif)
{
    struct tap *t = nif->priv;
    if (t->fd >= 0)
        close(t->fd);
    if (t->spare)
        pkb_free(nif->stack, t->spare);
    impair_free(t->impair);
    glass_free(nif->stack, t);
    nif->priv = NULL;
}

static const struct glass_netif_ops tap_ops = {
    .kind = "tap",
    .transmit = tap_transmit,
    .receive = tap_receive,
    .fd = tap_fd,
    .close = tap_close,
};

/* glass_netif_impair for a tap (stack lock held): a new engine replaces
 * the old one, whose waiting frames are dropped. */
int tap_impair(struct glass_netif *nif, const struct glass_impair *p)
{
    struct tap *t = nif->priv;
    struct impair *im = NULL;
    if (!impair_is_off(p) && !(im = impair_new(nif, p, tap_impair_deliver))) {
        errno = ENOMEM;
        return -1;
    }
    impair_free(t->impair);
    t->impair = im;
    return 0;
}

/* ---- opening: each step fails with one sentence saying what to do ------- */

static int tap_fail(char *err, size_t errlen, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int tap_fail(char *err, size_t errlen, int errnum, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    errno = errnum;
    return -1;
}

/* Linux's rules for a device name (dev_valid_name in net/core/dev.c). */
static int tap_check_name(const char *name, char *err, size_t errlen)
{
    if (strlen(name) >= IFNAMSIZ)
        return tap_fail(err, errlen, ENAMETOOLONG,
                        "interface name '%s' is too long: Linux allows at most %d characters",
                        name, IFNAMSIZ - 1);
    if (!strcmp(name, ".") || !strcmp(name, "..") || strpbrk(name, "/: \t\n"))
        return tap_fail(err, errlen, EINVAL,
                        "'%s' is not a valid interface name (no '/', ':' or spaces)", name);
    return 0;
}

static int tap_open_tun(char *err, size_t errlen)
{
    int fd = open(TUN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0)
        return fd;
    int e = errno;
    if (e == ENOENT || e == ENODEV || e == ENXIO)
        return tap_fail(err, errlen, e, TUN_PATH " is missing: load the tun module (modprobe tun)");
    if (e == EACCES || e == EPERM)
        return tap_fail(err, errlen, e,
                        "permission denied opening " TUN_PATH
                        ": run as root, or let users open it (chmod 0666 " TUN_PATH
                        ", as udev normally does)");
    return tap_fail(err, errlen, e, "cannot open " TUN_PATH ": %s", strerror(e));
}

/* TUNSETIFF: attach fd to the device, creating it when it does not exist
 * (that needs CAP_NET_ADMIN).  `name` is updated to the kernel's name. */
static int tap_attach(int fd, char name[IFNAMSIZ], bool existed, char *err, size_t errlen)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    memcpy(ifr.ifr_name, name, IFNAMSIZ);
    if (ioctl(fd, TUNSETIFF, &ifr) == 0) {
        memcpy(name, ifr.ifr_name, IFNAMSIZ);
        name[IFNAMSIZ - 1] = '\0';
        return 0;
    }
    int e = errno;
    switch (e) {
    case EPERM:
    case EACCES:
        if (!existed)
            return tap_fail(err, errlen, e,
                            "%s does not exist and creating it needs CAP_NET_ADMIN: run "
                            "scripts/netns-up, or ip tuntap add dev %s mode tap user $USER",
                            name, name);
        return tap_fail(err, errlen, e,
                        "permission denied attaching to %s: run scripts/netns-up, or ip tuntap "
                        "add dev %s mode tap user $USER",
                        name, name);
    case EBUSY:
        return tap_fail(err, errlen, e,
                        "%s is in use by another program (only one can attach without "
                        "IFF_MULTI_QUEUE)",
                        name);
    case EINVAL:
        return tap_fail(err, errlen, e,
                        "%s exists but is not a single-queue TAP device: pick another name or "
                        "delete it (ip link del %s)",
                        name, name);
    default:
        return tap_fail(err, errlen, e, "cannot attach to %s: %s", name, strerror(e));
    }
}

/* A persistent tap keeps the offloads a previous program switched on; we
 * do not read virtio-net headers, so ask for plain frames no larger than
 * the MTU (DESIGN.md "TAP facts"). */
static int tap_no_offload(int fd, const char *name, char *err, size_t errlen)
{
    if (ioctl(fd, TUNSETOFFLOAD, 0) == 0)
        return 0;
    int e = errno;
    return tap_fail(err, errlen, e, "cannot switch offloads off on %s (TUNSETOFFLOAD): %s", name,
                    strerror(e));
}

/* The kernel side's MTU (SIOCGIFMTU); NETIF_DEFAULT_MTU when unknown. */
static unsigned tap_kernel_mtu(const char *name)
{
    unsigned mtu = NETIF_DEFAULT_MTU;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return mtu;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, name, IFNAMSIZ);
    if (ioctl(s, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu >= 68 && ifr.ifr_mtu <= 65535)
        mtu = (unsigned)ifr.ifr_mtu;
    close(s);
    return mtu;
}

/* Bring the kernel side of a tap we just created up (ip link set NAME up),
 * so it passes traffic as soon as someone gives it an address. */
static int tap_kernel_up(const char *name)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, name, IFNAMSIZ);
    int rc = ioctl(s, SIOCGIFFLAGS, &ifr);
    if (rc == 0 && !(ifr.ifr_flags & IFF_UP)) {
        ifr.ifr_flags |= IFF_UP;
        rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    close(s);
    return rc;
}

static void tap_announce_created(const char *name)
{
    int up = tap_kernel_up(name);
    fprintf(stderr,
            "glass: created %s; the kernel side has no address: ip addr add 10.0.0.1/24 dev %s "
            "&& ip link set %s up\n",
            name, name, name);
    if (up < 0)
        fprintf(stderr, "glass: could not bring %s up (%s): ip link set %s up\n", name,
                strerror(errno), name);
}

/* Attaching turns the kernel side's carrier on, but the kernel activates
 * the device's transmit queue a moment later (linkwatch); until then it
 * drops what it sends us, so the reply to our first ARP request can be
 * lost and a first ping takes a 1 s ARP retry.  Wait, bounded, for the
 * kernel to report the link operational.  A device the user left down
 * never gets there: after TAP_OPER_WAIT_MS we go on regardless. */
#define TAP_OPER_WAIT_MS 250
static void tap_wait_operational(const char *name)
{
    char path[64 + IFNAMSIZ];
    snprintf(path, sizeof path, "/sys/class/net/%s/operstate", name);
    for (int ms = 0; ms < TAP_OPER_WAIT_MS; ms += 5) {
        char state[16] = "";
        FILE *f = fopen(path, "r");
        if (!f)
            return;
        bool up = fgets(state, sizeof state, f) && strncmp(state, "up", 2) == 0;
        fclose(f);
        if (up)
            return;
        struct timespec pause = {0, 5 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

/* Register the interface with the stack; its MTU follows the kernel side.
 * The MAC stays the one the core picks: the kernel side's MAC belongs to
 * the other end of the cable. */
static struct glass_netif *tap_register(struct glass_stack *stack, const char *name, int fd,
                                        char *err, size_t errlen)
{
    unsigned mtu = tap_kernel_mtu(name);
    glass_stack_lock(stack);
    struct glass_netif *nif = NULL;
    struct tap *t = glass_alloc(stack, sizeof(*t));
    if (t) {
        t->fd = fd;
        nif = netif_new(stack, name, &tap_ops, t);
        if (nif)
            nif->mtu = mtu;
        else
            glass_free(stack, t);
    }
    int e = t ? errno : ENOMEM;
    glass_stack_unlock(stack);
    if (nif)
        return nif;
    if (e == EEXIST)
        tap_fail(err, errlen, e, "this stack already has an interface named %s", name);
    else
        tap_fail(err, errlen, e, "cannot attach %s: %s", name, strerror(e));
    return NULL;
}

struct glass_netif *tap_open(struct glass_stack *stack, const char *name, char *err,
                             size_t errlen)
{
    if (tap_check_name(name, err, errlen) < 0)
        return NULL;
    char ifname[IFNAMSIZ] = {0};
    strcpy(ifname, name);
    bool existed = if_nametoindex(ifname) != 0;

    int fd = tap_open_tun(err, errlen);
    if (fd < 0)
        return NULL;
    if (tap_attach(fd, ifname, existed, err, errlen) < 0 ||
        tap_no_offload(fd, ifname, err, errlen) < 0)
        goto fail;
    struct glass_netif *nif = tap_register(stack, ifname, fd, err, errlen);
    if (!nif)
        goto fail;
    if (!existed)
        tap_announce_created(ifname);
    tap_wait_operational(ifname);
    return nif;
fail:;
    int e = errno;
    close(fd);
    errno = e;
    return NULL;
}
