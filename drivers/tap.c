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
 * Offloads (--if tap:tap0,offload=on, the default): the device is opened
 * with IFF_VNET_HDR, so every frame in both directions carries a 10-byte
 * virtio-net header (tap_vnet.c), and TUNSETOFFLOAD(TUN_F_CSUM|TUN_F_TSO4)
 * tells the kernel we accept partial checksums and TCPv4 frames up to
 * 64 KiB (GSO).  We send it the same: TCP super-segments it cuts into
 * MSS-sized frames (TSO) with checksums it fills in.  When the kernel
 * refuses any of this, the device is reopened plain with one line on
 * stderr.  Off: plain frames, and TUNSETOFFLOAD(0) so a persistent tap a
 * previous program configured does not hand us 64 KiB frames.
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
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "drivers.h"
#include "eth.h"
#include "impair.h"
#include "mem.h"
#include "netif.h"
#include "pkb.h"
#include "stack.h"
#include "tap_vnet.h"
#include "trace.h"

#define TUN_PATH "/dev/net/tun"
#define VLAN_HLEN 4             /* a tagged frame is 4 bytes longer (IEEE 802.1Q) */

struct tap {
    int fd;                     /* -1 once the device has gone away */
    size_t rx_size;             /* data room of a receive buffer */
    struct pkb *spare;          /* buffer for the next read(), kept across EAGAIN */
    struct impair *impair;      /* NULL: a clean link */
    bool vnet;                  /* IFF_VNET_HDR: a virtio-net header on every frame */
    uint8_t *overflow;          /* vnet: where the part of a GSO frame past
                                   rx_size lands (TAP_GSO_ROOM bytes) */
};

/* A GSO frame: the largest IPv4 datagram, its Ethernet header and a tag. */
#define TAP_GSO_ROOM (ETH_HLEN + VLAN_HLEN + 65535)

/* ---- the data path ------------------------------------------------------ */

/* A TAP write is one whole frame or nothing.  EAGAIN means the kernel's
 * queue for tap0 is full: the frame is dropped, as a busy NIC would. */
static int tap_write(struct tap *t, const struct pkb *pkb)
{
    if (t->fd < 0)
        return -ENODEV;
    size_t len = pkb_len(pkb);
    ssize_t n;
    if (t->vnet) {
        /* The header from its own buffer: the frame is not copied. */
        uint8_t hdr[TAP_VNET_HLEN];
        tap_vnet_build(hdr, pkb);
        struct iovec iov[2] = {{hdr, sizeof hdr}, {pkb->data, len}};
        n = writev(t->fd, iov, 2);
        len += sizeof hdr;
    } else {
        n = write(t->fd, pkb->data, len);
    }
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
    size_t want = (t->vnet ? TAP_VNET_HLEN : 0) + ETH_HLEN + VLAN_HLEN + nif->mtu;
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

/* vnet: a frame that did not fit the buffer continues in t->overflow
 * (a GSO super-segment): move it into a buffer of its own size. */
static struct pkb *tap_rx_gso(struct glass_netif *nif, struct tap *t, struct pkb *p, size_t len)
{
    size_t room = pkb_tailroom(p);
    struct pkb *big = pkb_alloc(nif->stack, len);
    if (!big)
        return NULL;
    uint8_t *to = pkb_put(big, len);
    memcpy(to, p->data, room);
    memcpy(to + room, t->overflow, len - room);
    return big;
}

/* vnet: one read() is header, frame and (for a GSO frame) the overflow.
 * Returns the frame's pkb (p, or a bigger one), or NULL: dropped and
 * counted.  *n is what read() returned. */
static struct pkb *tap_rx_vnet(struct glass_netif *nif, struct tap *t, struct pkb *p, size_t n)
{
    struct glass_stack *stack = nif->stack;
    size_t room = pkb_tailroom(p);
    struct tap_vnet_hdr h;
    int err = n < TAP_VNET_HLEN ? TAP_VNET_SHORT
                                : tap_vnet_parse(p->data, n, n - TAP_VNET_HLEN, &h);
    if (err) {
        nif->cnt.rx_dropped++;
        STAT_INC(stack, link, drop_bad_vnet);
        TRACE(stack, GLASS_TRACE_ETH, "eth   %s drop: vnet header: %s", nif->name,
              tap_vnet_strerror(err));
        return NULL;
    }
    struct pkb *frame = p;
    if (n > room + TAP_GSO_ROOM) { /* cut short: larger than any GSO frame */
        tap_truncated(nif, t, n, room + TAP_GSO_ROOM);
        return NULL;
    }
    if (n > room) {
        frame = tap_rx_gso(nif, t, p, n);
        if (!frame) {
            nif->cnt.rx_dropped++;
            TRACE(stack, GLASS_TRACE_ETH, "eth   %s drop: no memory for a %zu-byte frame",
                  nif->name, n);
            return NULL;
        }
    } else {
        pkb_put(p, n);
    }
    pkb_pull(frame, TAP_VNET_HLEN);
    tap_vnet_apply(frame, &h);
    if (frame->gso_size) {
        STAT_INC(stack, link, gso_rx);
        nif->cnt.gso_rx++; /* glassctl if */
        TRACE(stack, GLASS_TRACE_ETH, "eth   %s rx GSO frame of %zu bytes, gso_size %u",
              nif->name, pkb_len(frame), frame->gso_size);
    }
    return frame;
}

/* read() a frame into p; with vnet, into p (header included) and on into
 * the overflow buffer. */
static ssize_t tap_read(struct tap *t, struct pkb *p, size_t room)
{
    if (!t->vnet)
        return read(t->fd, p->data, room);
    struct iovec iov[2] = {{p->data, room}, {t->overflow, TAP_GSO_ROOM}};
    return readv(t->fd, iov, 2);
}

static int tap_receive(struct glass_netif *nif, int budget)
{
    struct tap *t = nif->priv;
    int frames = 0;
    while (t->fd >= 0 && frames < budget) {
        struct pkb *p = tap_rx_buffer(nif, t);
        size_t room = p ? pkb_tailroom(p) : 0;
        /* Read straight into the buffer's data area: no copy. */
        ssize_t n = p ? tap_read(t, p, room) : tap_discard_one(nif, t);
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
        if (t->vnet) {
            struct pkb *frame = tap_rx_vnet(nif, t, p, (size_t)n);
            if (!frame)
                continue; /* p stays the spare */
            if (frame != p)
                p = frame; /* a GSO frame was copied out; the spare stays */
            else
                t->spare = NULL;
        } else if ((size_t)n > room) {
            tap_truncated(nif, t, (size_t)n, room);
            continue;
        } else {
            pkb_put(p, (size_t)n);
            t->spare = NULL;
        }
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
    if (t->overflow)
        glass_free(nif->stack, t->overflow);
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
static int tap_attach(int fd, char name[IFNAMSIZ], bool existed, bool vnet, char *err,
                      size_t errlen)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0);
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

/* Offloads on an fd attached with IFF_VNET_HDR: a 10-byte little-endian
 * header, and the kernel may hand us partial checksums and TCPv4 GSO
 * frames.  0, or -errno of the ioctl the kernel refused (*what names it). */
static int tap_vnet_setup(int fd, const char **what)
{
    int hlen = TAP_VNET_HLEN, le = 1;
    *what = "TUNSETVNETHDRSZ";
    if (ioctl(fd, TUNSETVNETHDRSZ, &hlen) < 0)
        return -errno;
    /* Little-endian fields on any host (x86 is so already: a kernel
     * without TUNSETVNETLE is fine there). */
    *what = "TUNSETVNETLE";
    if (ioctl(fd, TUNSETVNETLE, &le) < 0 && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__)
        return -errno;
    *what = "TUNSETOFFLOAD";
    if (ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4) < 0)
        return -errno;
    return 0;
}

/* Can this kernel attach with IFF_VNET_HDR?  (TUNGETFEATURES lists the
 * TUNSETIFF flags it knows.) */
static bool tap_kernel_has_vnet(int fd)
{
    unsigned features = 0;
    return ioctl(fd, TUNGETFEATURES, &features) == 0 && (features & IFF_VNET_HDR);
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
                                        bool vnet, char *err, size_t errlen)
{
    unsigned mtu = tap_kernel_mtu(name);
    glass_stack_lock(stack);
    struct glass_netif *nif = NULL;
    struct tap *t = glass_alloc(stack, sizeof(*t));
    if (t && vnet && !(t->overflow = glass_alloc(stack, TAP_GSO_ROOM))) {
        glass_free(stack, t);
        t = NULL;
    }
    if (t) {
        t->fd = fd;
        t->vnet = vnet;
        nif = netif_new(stack, name, &tap_ops, t);
        if (nif) {
            nif->mtu = mtu;
            if (vnet)
                nif->features = NETIF_F_RX_CSUM_TRUSTED | NETIF_F_TX_CSUM_PARTIAL | NETIF_F_TSO4;
        } else {
            if (t->overflow)
                glass_free(stack, t->overflow);
            glass_free(stack, t);
        }
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

/* Open and attach with offloads: 1 done, 0 refused by the kernel (fd is
 * closed and one line on stderr says why: the caller opens plain), -1 an
 * error that plain mode would meet too (err set). */
static int tap_open_vnet(int *fdp, char ifname[IFNAMSIZ], bool existed, char *err, size_t errlen)
{
    int fd = tap_open_tun(err, errlen);
    if (fd < 0)
        return -1;
    const char *what = "TUNGETFEATURES";
    int e = EOPNOTSUPP;
    if (tap_kernel_has_vnet(fd)) {
        if (tap_attach(fd, ifname, existed, true, err, errlen) < 0) {
            e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        int rc = tap_vnet_setup(fd, &what);
        if (rc == 0) {
            *fdp = fd;
            return 1;
        }
        e = -rc;
    }
    close(fd);
    fprintf(stderr, "glass: %s: the kernel refused offloads (%s: %s); plain frames instead\n",
            ifname, what, strerror(e));
    return 0;
}

struct glass_netif *tap_open(struct glass_stack *stack, const char *name, bool offload,
                             char *err, size_t errlen)
{
    if (tap_check_name(name, err, errlen) < 0)
        return NULL;
    char ifname[IFNAMSIZ] = {0};
    strcpy(ifname, name);
    bool existed = if_nametoindex(ifname) != 0;

    int fd = -1;
    int vnet = offload ? tap_open_vnet(&fd, ifname, existed, err, errlen) : 0;
    if (vnet < 0)
        return NULL;
    if (!vnet) {
        fd = tap_open_tun(err, errlen);
        if (fd < 0)
            return NULL;
        if (tap_attach(fd, ifname, existed, false, err, errlen) < 0 ||
            tap_no_offload(fd, ifname, err, errlen) < 0)
            goto fail;
    }
    struct glass_netif *nif = tap_register(stack, ifname, fd, vnet, err, errlen);
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
